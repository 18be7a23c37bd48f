import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../server/engine/images.js';
import { IMAGES, image224, softmax, wasmExecutor } from '../../helpers/fixtures.js';

// Oracle: the verified top-5 table in ../shared/models/googlenet-bvlc/PROVENANCE.md.
async function top(name: string, k = 5) {
  const ex = await wasmExecutor();
  const p = softmax(await ex.imageLogits(image224(name)));
  return p
    .map((prob, index) => ({ index, prob }))
    .sort((a, b) => b.prob - a.prob)
    .slice(0, k);
}

describe('predictions on the real GoogLeNet weights match PROVENANCE.md', () => {
  it('fruits: lemon 97.6%', async () => {
    const t = await top('fruits');
    expect(t[0].index).toBe(951);
    expect(t[0].prob).toBeCloseTo(0.976, 3);
  });

  it('chelsea_cat: Egyptian cat 42.3%, then tiger cat 35.4%', async () => {
    const t = await top('chelsea_cat');
    expect(t.map((x) => x.index).slice(0, 2)).toEqual([285, 282]);
    expect(t[0].prob).toBeCloseTo(0.423, 3);
    expect(t[1].prob).toBeCloseTo(0.354, 3);
  });

  it('dog_cat_composite: Pekinese 77.0%, Egyptian cat 7.4%, tabby 6.0%', async () => {
    const t = await top('dog_cat_composite');
    expect(t[0].index).toBe(154);
    expect(t[0].prob).toBeCloseTo(0.77, 3);
    expect(t[1].index).toBe(285);
    expect(t[2].index).toBe(281);
  });

  it('an original-size JPEG, centre-cropped and resized here, keeps its top-1 (squirrel: fox squirrel)', async () => {
    const ex = await wasmExecutor();
    const img = decodeImage(readFileSync(resolve(IMAGES, 'squirrel.jpg')));
    const p = softmax(await ex.imageLogits(img.pixels));
    expect(p.indexOf(Math.max(...p))).toBe(335);
  });
});
