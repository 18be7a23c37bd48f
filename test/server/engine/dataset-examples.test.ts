import { describe, expect, it } from 'vitest';
import { cropSize, datasetExamples, receptiveField } from '../../../server/engine/dataset-examples.js';
import { image224, sharedNetwork, wasmExecutor } from '../../helpers/fixtures.js';

describe('dataset examples', () => {
  it('receptive fields follow the stem and the 5x5 branches (hand-computed)', () => {
    const net = sharedNetwork();
    // conv 7 s2 -> 7; pool 3 s2 -> 11 (jump 4); conv 3x3 -> 19; pool 3 s2 -> 27 (jump 8); 5x5 -> 59.
    expect(receptiveField(net, 'conv2d0')).toBe(7);
    expect(receptiveField(net, 'maxpool1')).toBe(27);
    expect(receptiveField(net, 'mixed3a')).toBe(59);
    // + 5x5 at jump 8 (mixed3b) -> 91; pool 3 s2 -> 107 (jump 16); four 5x5 blocks -> 363.
    expect(receptiveField(net, 'mixed4d')).toBe(363);
    expect(cropSize(net, 'mixed3a')).toBe(30);
    expect(cropSize(net, 'mixed4d')).toBe(182);
    expect(cropSize(net, 'mixed5b')).toBe(224);
  });

  it('per channel: the best crop of each image, best first, centred on the spatial maximum', async () => {
    const ex = await wasmExecutor();
    const names = ['dog_cat_composite', 'fruits', 'eagle'];
    const images = names.map((id) => ({ id, pixels: image224(id) }));
    const layer = 'mixed4d';
    const result = await datasetExamples(ex, images, layer, 2);
    expect(result.length).toBe(528);
    const acts = await Promise.all(images.map((i) => ex.activations(i.pixels, layer)));
    for (const c of [0, 100, 527]) {
      const examples = result[c];
      expect(examples.length).toBe(2);
      expect(examples[0].activation).toBeGreaterThanOrEqual(examples[1].activation);
      expect(examples[0].image).not.toBe(examples[1].image);
      // Oracle: the spatial maximum of the channel in each image, read straight from the activations.
      const maxOf = (k: number) => Math.max(...Array.from({ length: 196 }, (_, p) => acts[k][p * 528 + c]));
      const ranked = names.map((n, k) => ({ n, v: maxOf(k) })).sort((a, b) => b.v - a.v);
      expect(examples.map((e) => e.image)).toEqual(ranked.slice(0, 2).map((r) => r.n));
      expect(examples[0].activation).toBeCloseTo(ranked[0].v, 4);
      for (const e of examples) {
        expect(e.size).toBe(182);
        expect(e.x).toBeGreaterThanOrEqual(0);
        expect(e.y).toBeGreaterThanOrEqual(0);
        expect(e.x + e.size).toBeLessThanOrEqual(224);
        expect(e.y + e.size).toBeLessThanOrEqual(224);
      }
    }
  });

  it('refuses an unknown layer', async () => {
    await expect(datasetExamples(await wasmExecutor(), [], 'mixed9z')).rejects.toMatchObject({ code: 'UNKNOWN_LAYER' });
  });
});
