import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../server/engine/images.js';
import { checkPngStructure } from '../../../server/engine/png-structure.js';
import { IMAGES } from '../../helpers/fixtures.js';

/** A PNG chunk: length, type, data, CRC over type and data (PNG spec, 5.3). */
function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** An 8-bit RGB PNG written by hand, so the header can promise what the data does not hold. */
function rgbPng(opts: { width: number; height: number; interlace?: 0 | 1; scanlines: Uint8Array }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(opts.width, 0);
  ihdr.writeUInt32BE(opts.height, 4);
  ihdr.set([8, 2, 0, 0, opts.interlace ?? 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(opts.scanlines)),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** Filter-0 scanlines of an RGB image `rows` high: each row a 0 byte, then width x 3 samples. */
const scanlines = (width: number, rows: number, value = 200) => {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, value)]);
  return Buffer.concat(Array.from({ length: rows }, () => row));
};

const message = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return { code: (e as { code?: string }).code, text: (e as Error).message };
  }
  return null;
};

describe('PNG structure', () => {
  it('passes every shared PNG and one written by hand, which pngjs decodes to the same pixels', () => {
    const files = [
      ...readdirSync(IMAGES).map((f) => resolve(IMAGES, f)),
      ...readdirSync(resolve(IMAGES, '224')).map((f) => resolve(IMAGES, '224', f)),
    ].filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files)
      expect(
        message(() => checkPngStructure(readFileSync(f))),
        f,
      ).toBeNull();
    const whole = rgbPng({ width: 5, height: 3, scanlines: scanlines(5, 3) });
    expect(message(() => checkPngStructure(whole))).toBeNull();
    expect([...PNG.sync.read(whole).data.subarray(0, 4)]).toEqual([200, 200, 200, 255]);
  });

  it('refuses a header that promises more rows than the data holds (pngjs would fill them black)', () => {
    const short = rgbPng({ width: 5, height: 8, scanlines: scanlines(5, 3) });
    // What pngjs alone does with it: no error, five black rows.
    const lenient = PNG.sync.read(short);
    expect(lenient.height).toBe(8);
    expect(lenient.data[7 * 5 * 4]).toBe(0);
    const e = message(() => decodeImage(short));
    expect(e?.code).toBe('BAD_IMAGE');
    expect(e?.text).toBe(
      "The PNG's header says 5x8, but its pixel data holds only 3 of the 8 rows; the file is damaged or was written incompletely.",
    );
  });

  it('counts Adam7 passes for an interlaced PNG: whole passes, short refused', () => {
    // 5x3 interlaced: Adam7 passes 1..7 are 1x1, 1x1, empty, 1x1, 3x1, 2x2, 5x1 (PNG spec, 8.2); pngjs reading it is the check.
    const passRows = [
      [1, 1],
      [1, 1],
      [0, 0],
      [1, 1],
      [3, 1],
      [2, 2],
      [5, 1],
    ] as const;
    const bytes = Buffer.concat(passRows.map(([w, h]) => (w && h ? scanlines(w, h, 90) : Buffer.alloc(0))));
    const whole = rgbPng({ width: 5, height: 3, interlace: 1, scanlines: bytes });
    expect(message(() => checkPngStructure(whole))).toBeNull();
    const decoded = PNG.sync.read(whole);
    expect([decoded.width, decoded.height, decoded.data[decoded.data.length - 2]]).toEqual([5, 3, 90]);
    const short = rgbPng({ width: 5, height: 3, interlace: 1, scanlines: bytes.subarray(0, bytes.length - 4) });
    expect(message(() => checkPngStructure(short))?.text).toMatch(/interlaced pixel data holds only \d+ of the \d+ bytes/);
  });

  it('a file cut short says where, in one sentence', () => {
    const png = readFileSync(resolve(IMAGES, '224', 'coffee.png'));
    const e = message(() => decodeImage(png.subarray(0, 200)));
    expect(e?.code).toBe('BAD_IMAGE');
    expect(e?.text).toMatch(
      /^The PNG file is cut short: it ends at byte 200, inside its IDAT chunk, which needs \d+ more bytes; upload the whole file\.$/,
    );
    const noEnd = png.subarray(0, png.length - 12);
    expect(message(() => decodeImage(noEnd))?.text).toMatch(/cut short: it ends at byte \d+ with no IEND chunk/);
  });
});
