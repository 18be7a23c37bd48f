import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../server/engine/images.js';
import { readImageHeader } from '../../../server/images/image-header.js';
import { SHARED_IMAGES } from '../helpers/test-server.js';

describe('readImageHeader', () => {
  it('reads the size of every shared image as the full decoder does', () => {
    const files = readdirSync(SHARED_IMAGES).filter((f) => /\.(png|jpg)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const bytes = readFileSync(join(SHARED_IMAGES, f));
      const header = readImageHeader(bytes);
      const decoded = decodeImage(bytes);
      expect([header.width, header.height], f).toEqual([decoded.width, decoded.height]);
      expect(header.mime).toBe(f.endsWith('.png') ? 'image/png' : 'image/jpeg');
    }
  });

  it('rejects empty, foreign, huge and oversized files with BAD_IMAGE', () => {
    const code = (b: Uint8Array) => {
      try {
        readImageHeader(b);
        return null;
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code(new Uint8Array())).toBe('BAD_IMAGE');
    expect(code(Buffer.from('GIF89a......'))).toBe('BAD_IMAGE');
    expect(code(new Uint8Array(10 * 1024 * 1024 + 1))).toBe('BAD_IMAGE');
    expect(code(PNG.sync.write(new PNG({ width: 4097, height: 1 })))).toBe('BAD_IMAGE');
    expect(code(PNG.sync.write(new PNG({ width: 4096, height: 1 })))).toBeNull();
  });
});
