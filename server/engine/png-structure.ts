import { inflateSync } from 'node:zlib';
import { EngineError } from '../errors/engine-error.js';

/** Samples per pixel for each PNG colour type (PNG spec, 11.2.2). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

const bad = (message: string): never => {
  throw new EngineError('BAD_IMAGE', message);
};

/** Bytes of filtered scanlines a w x h image holds: one filter byte per row, then the packed samples. */
function scanlineBytes(width: number, height: number, bitsPerPixel: number): number {
  return width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0;
}

/**
 * Checks what pngjs does not: that the file is whole (every chunk inside it, IEND at the end)
 * and that its compressed pixel data holds every row IHDR promises. pngjs fills missing rows with
 * black, and a cut-off file gets its stream library's message ("read requests waitng on finished
 * stream"); here each gets one sentence a person can act on.
 */
export function checkPngStructure(b: Uint8Array): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const idat: Uint8Array[] = [];
  let ihdr: { width: number; height: number; bitDepth: number; colorType: number; interlace: number } | null = null;
  let ended = false;
  for (let at = 8; !ended;) {
    if (at + 8 > b.length)
      bad(
        `The PNG file is cut short: it ends at byte ${b.length} with no IEND chunk, so part of the image is missing; upload the whole file.`,
      );
    const length = v.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    const end = at + 12 + length;
    if (end > b.length)
      bad(
        `The PNG file is cut short: it ends at byte ${b.length}, inside its ${type} chunk, which needs ${end - b.length} more bytes; upload the whole file.`,
      );
    const data = b.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      if (length !== 13) bad('The PNG file is corrupt: its IHDR chunk is not 13 bytes long.');
      ihdr = {
        width: v.getUint32(at + 8),
        height: v.getUint32(at + 12),
        bitDepth: b[at + 16],
        colorType: b[at + 17],
        interlace: b[at + 20],
      };
    } else if (!ihdr) {
      bad('The PNG file is corrupt: it does not start with an IHDR chunk.');
    }
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') ended = true;
    at = end;
  }
  const h = ihdr!;
  const channels = CHANNELS[h.colorType];
  if (channels === undefined) bad(`The PNG file is corrupt: colour type ${h.colorType} does not exist.`);
  if (idat.length === 0) bad('The PNG file has no pixel data (no IDAT chunk).');
  let pixels: Buffer;
  try {
    pixels = inflateSync(Buffer.concat(idat));
  } catch (e) {
    return bad(`The PNG file is corrupt: its pixel data does not decompress (${(e as Error).message}).`);
  }
  const bitsPerPixel = channels * h.bitDepth;
  if (h.interlace === 0) {
    const rowBytes = 1 + Math.ceil((h.width * bitsPerPixel) / 8);
    const rows = Math.floor(pixels.length / rowBytes);
    if (rows < h.height)
      bad(
        `The PNG's header says ${h.width}x${h.height}, but its pixel data holds only ${rows} of the ${h.height} rows; the file is damaged or was written incompletely.`,
      );
  } else {
    const expected = ADAM7.reduce(
      (sum, [x0, y0, dx, dy]) => sum + scanlineBytes(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy), bitsPerPixel),
      0,
    );
    if (pixels.length < expected)
      bad(
        `The PNG's header says ${h.width}x${h.height}, but its interlaced pixel data holds only ${pixels.length} of the ${expected} bytes those pixels need; the file is damaged or was written incompletely.`,
      );
  }
}
