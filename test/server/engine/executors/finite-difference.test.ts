import { describe, expect, it } from 'vitest';
import { evaluateScore, type ScoreSpec } from '../../../../server/engine/executors/executor.js';
import { CLASS, image224, wasmExecutor } from '../../../helpers/fixtures.js';

// Oracle: central differences of the forward pass alone. Along the direction v = A restricted to
// channel c, d/dt score(A + t v) = sum over space of grad * A for that channel.
describe('channel attribution (gradient x activation) matches finite differences', () => {
  const score = { class1: { kind: 'class', index: CLASS.pekinese }, class2: { kind: 'class', index: CLASS.tigerCat } } as ScoreSpec;
  const logsumexp = { class1: { kind: 'class', index: CLASS.pekinese }, class2: { kind: 'logsumexp' } } as ScoreSpec;

  for (const [name, spec] of [
    ['class difference', score],
    ['class minus logsumexp', logsumexp],
  ] as const) {
    it(`mixed4d, ${name}: the 4 channels with the largest |attribution|`, async () => {
      const ex = await wasmExecutor();
      const layer = 'mixed4d';
      const A = await ex.activations(image224('dog_cat_composite'), layer);
      const C = 528;
      const { grads } = await ex.gradients(layer, A, 1, spec);
      const attr = new Float64Array(C);
      for (let i = 0; i < A.length; i++) attr[i % C] += grads[i] * A[i];
      const channels = Array.from(attr.keys())
        .sort((a, b) => Math.abs(attr[b]) - Math.abs(attr[a]))
        .slice(0, 4);
      const h = 1e-2;
      const batch = new Float32Array(A.length * 2 * channels.length);
      channels.forEach((c, j) => {
        for (const [k, sign] of [
          [0, 1],
          [1, -1],
        ] as const) {
          const off = (2 * j + k) * A.length;
          batch.set(A, off);
          for (let i = c; i < A.length; i += C) batch[off + i] = A[i] * (1 + sign * h);
        }
      });
      const logits = await ex.logits(layer, batch, 2 * channels.length);
      channels.forEach((c, j) => {
        const fd = (evaluateScore(spec, logits, 2 * j * 1000) - evaluateScore(spec, logits, (2 * j + 1) * 1000)) / (2 * h);
        expect(Math.abs(fd - attr[c])).toBeLessThan(0.02 * Math.abs(attr[c]) + 1e-3);
      });
    });
  }
});
