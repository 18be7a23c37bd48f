import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxInputGradients } from '../../../../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { toNetworkInput, triangleWeights } from '../../../../server/engine/images.js';
import { compileImportedInputGradient } from '../../../../server/engine/onnx-import/compile-input-gradient.js';
import { importModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';
import { relativeL2, SHARED, sharedNetwork } from '../../../helpers/fixtures.js';

/**
 * Feature visualization's pixel gradients through an imported model. Oracles: the built-in
 * model's own input-gradient graph (the shared GoogLeNet export is the same network), and, where
 * the render size is not the model's, the project's TypeScript resize with its adjoint written
 * out here.
 */
let imported: OnnxInputGradients;
let builtin: OnnxInputGradients;
const rand = mulberry32(3);
// Noise, not a smooth pattern, and not whole numbers: a periodic or integer image makes exact
// ties in the stem's max-pools, which the two models break differently once their LRNs (ONNX
// Runtime's kernel here, the built-in's own decomposition there) round one ulp apart.
const noise = (n: number) => Float32Array.from({ length: n }, () => 64 + 128 * rand());

beforeAll(async () => {
  const m = importModel(resolve(SHARED, 'models', 'googlenet-bvlc-onnx'));
  [imported, builtin] = await Promise.all([
    OnnxInputGradients.over({ layers: m.layers, graph: (layer, size) => compileImportedInputGradient(m, layer, size) }, { threads: 2 }),
    OnnxInputGradients.create(sharedNetwork(), { threads: 2 }),
  ]);
});
afterAll(async () => {
  await imported?.dispose();
  await builtin?.dispose();
});

describe('input gradients of an imported model', () => {
  it("at the model's own size, equal the built-in model's (objective, activation, pixel gradient)", async () => {
    const images = noise(2 * 224 * 224 * 3);
    for (const layer of ['mixed3b', 'mixed4a']) {
      const a = await imported.channelGradients(layer, 224, images, [3, 100]);
      const b = await builtin.channelGradients(layer, 224, images, [3, 100]);
      expect(relativeL2(a.objectives, b.objectives)).toBeLessThan(1e-5);
      expect(relativeL2(a.activations, b.activations)).toBeLessThan(1e-5);
      expect(relativeL2(a.grads, b.grads)).toBeLessThan(1e-5);
    }
  });

  it('at another size, resize the image inside the graph and differentiate through the resize', async () => {
    const S = 96;
    const image = noise(S * S * 3).map(Math.round);
    const rgba = new Uint8Array(S * S * 4).fill(255);
    for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) rgba[p * 4 + c] = image[p * 3 + c];
    const resized = toNetworkInput({ width: S, height: S, data: rgba }, 224);
    const small = await imported.channelGradients('mixed4a', S, image, [5]);
    const full = await imported.channelGradients('mixed4a', 224, resized, [5]);
    expect(Math.abs(small.objectives[0] - full.objectives[0])).toBeLessThan(1e-4 * Math.abs(full.objectives[0]));
    // The resize's adjoint: g_S[i, j] = sum_{o, p} R[o, i] R[p, j] g_224[o, p].
    const filter = triangleWeights(S, 224);
    const rows = new Float64Array(S * 224 * 3);
    filter.forEach(({ taps, weights }, o) =>
      taps.forEach((i, k) => {
        for (let q = 0; q < 224 * 3; q++) rows[i * 224 * 3 + q] += weights[k] * full.grads[o * 224 * 3 + q];
      }),
    );
    const expected = new Float64Array(S * S * 3);
    filter.forEach(({ taps, weights }, p) =>
      taps.forEach((j, k) => {
        for (let i = 0; i < S; i++) for (let c = 0; c < 3; c++) expected[(i * S + j) * 3 + c] += weights[k] * rows[(i * 224 + p) * 3 + c];
      }),
    );
    expect(relativeL2(small.grads, expected)).toBeLessThan(1e-5);
  });
});
