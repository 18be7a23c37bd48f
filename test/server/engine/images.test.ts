import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, MAX_IMAGE_SIDE } from '../../../server/engine/images.js';
import { IMAGES } from '../../helpers/fixtures.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as any).code as string;
  }
  return 'no error';
};

describe('image decoding', () => {
  it('passes a 224x224 PNG through unchanged', () => {
    const bytes = readFileSync(resolve(IMAGES, '224', 'fruits.png'));
    const png = PNG.sync.read(bytes);
    const { pixels, width, height } = decodeImage(bytes);
    expect([width, height]).toEqual([224, 224]);
    for (let i = 0; i < 224 * 224; i += 997) {
      for (let c = 0; c < 3; c++) expect(pixels[i * 3 + c]).toBe(png.data[i * 4 + c]);
    }
  });

  it('centre-crops and resizes any size to within 3/255 mean error of the ImageMagick 224 copies (independent resampler)', () => {
    for (const [orig, copy] of [
      ['dog_cat_composite.png', 'dog_cat_composite.png'],
      ['fruits.jpg', 'fruits.png'],
    ]) {
      const ours = decodeImage(readFileSync(resolve(IMAGES, orig)));
      const theirs = decodeImage(readFileSync(resolve(IMAGES, '224', copy))).pixels;
      let diff = 0;
      for (let i = 0; i < theirs.length; i++) diff += Math.abs(ours.pixels[i] - theirs[i]);
      expect(diff / theirs.length).toBeLessThan(3);
    }
  });

  it('decodes a non-square JPEG to RGB 0..255 after a centre crop', () => {
    const w = 300,
      h = 200;
    const data = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x < 50 || x >= 250 ? 255 : 0, 0, 0, 255], (y * w + x) * 4);
    const { pixels, width, height } = decodeImage(jpeg.encode({ data, width: w, height: h }, 95).data);
    expect([width, height]).toEqual([300, 200]);
    // The red side bands are cropped away: the centre square is black.
    expect(Math.max(...pixels.filter((_, i) => i % 3 === 0))).toBeLessThan(40);
  });

  it('rejects bad input with BAD_IMAGE and a reason', () => {
    expect(code(() => decodeImage(new Uint8Array()))).toBe('BAD_IMAGE');
    expect(code(() => decodeImage(Buffer.from('hello, not an image')))).toBe('BAD_IMAGE');
    const truncated = readFileSync(resolve(IMAGES, '224', 'fruits.png')).subarray(0, 500);
    expect(code(() => decodeImage(truncated))).toBe('BAD_IMAGE');
    const huge = new PNG({ width: MAX_IMAGE_SIDE + 1, height: 1 });
    expect(() => decodeImage(PNG.sync.write(huge))).toThrow(/4096 px/);
    expect(() => decodeImage(new Uint8Array(11 * 1024 * 1024).fill(1))).toThrow(/10 MB/);
  });
});
