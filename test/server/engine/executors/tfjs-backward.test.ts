import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScoreSpec } from '../../../../server/engine/executors/executor.js';
import { loadOracleGraphModel } from '../../../helpers/graph-model-oracle.js';
import { CLASS, image224, relativeL2, sharedNetwork, wasmExecutor } from '../../../helpers/fixtures.js';

/**
 * Oracle: TensorFlow.js's own graph executor (loadGraphModel on model.json) differentiated by
 * tf.grad on the `cpu` backend, whose MaxPoolGrad routes ties to the first maximum. Only the
 * weights are shared with the code under test: graph execution and backward are independent.
 */
let model: tf.GraphModel;

async function oracleGradient(layer: string, acts: Float32Array, shape: number[], score: { c1: number; c2: number }) {
  tf.enableProdMode(); // no tfjs-node advert on the cpu backend's first use
  await tf.setBackend('cpu');
  const w = tf.tidy(() =>
    tf
      .oneHot([score.c1], 1000)
      .sub(tf.oneHot([score.c2], 1000))
      .toFloat(),
  );
  const g = tf.tidy(() =>
    tf.grad((a: tf.Tensor) => (model.execute({ [layer]: a }, 'softmax2_pre_activation') as tf.Tensor).mul(w).sum())(
      tf.tensor4d(acts, shape as any),
    ),
  );
  const data = g.dataSync().slice();
  g.dispose();
  w.dispose();
  await tf.setBackend('wasm');
  return data as Float32Array;
}

async function handGradient(layer: string, acts: Float32Array, score: ScoreSpec) {
  const ex = await wasmExecutor();
  return (await ex.gradients(layer, acts, 1, score)).grads;
}

const gxa = (g: Float32Array, a: Float32Array) => Float32Array.from(g, (v, i) => v * a[i]);

beforeAll(async () => {
  await wasmExecutor();
  model = await loadOracleGraphModel();
});

describe('hand-written backward agrees with tf.grad (cpu) on gradient x activation', () => {
  const score = { class1: { kind: 'class', index: CLASS.pekinese }, class2: { kind: 'class', index: CLASS.tigerCat } } as ScoreSpec;
  const oracleScore = { c1: CLASS.pekinese, c2: CLASS.tigerCat };

  for (const layer of ['mixed3b', 'mixed4d', 'mixed5a']) {
    it(`${layer}: at A and at alpha = 0 (all-zero activations: every max-pool window a tie)`, async () => {
      const ex = await wasmExecutor();
      const A = await ex.activations(image224('dog_cat_composite'), layer);
      const shape = [1, ...sharedNetwork().byName.get(layer)!.shape];
      const atA = relativeL2(gxa(await handGradient(layer, A, score), A), gxa(await oracleGradient(layer, A, shape, oracleScore), A));
      expect(atA).toBeLessThan(1e-4);
      // The alpha = 0 term of the left Riemann sum: grad(0) * A.
      const zero = new Float32Array(A.length);
      const gHand = await handGradient(layer, zero, score);
      const gOracle = await oracleGradient(layer, zero, shape, oracleScore);
      expect(relativeL2(gxa(gHand, A), gxa(gOracle, A))).toBeLessThan(1e-4);
    });
  }

  it('mixed3b: windows with exactly equal positive maxima go to the first maximum', async () => {
    // maxpool4 (3x3, stride 2) and mixed4a_pool read mixed3b directly: plant plateaus of equal values.
    const layer = 'mixed3b';
    const ex = await wasmExecutor();
    const A = await ex.activations(image224('chelsea_cat'), layer);
    const [H, W, C] = sharedNetwork().byName.get(layer)!.shape;
    for (let c = 0; c < C; c += 3) {
      for (let h = 4; h < 12; h++) for (let w = 4; w < 12; w++) A[(h * W + w) * C + c] = 3.5;
    }
    expect(H).toBe(28);
    const shape = [1, H, W, C];
    const err = relativeL2(gxa(await handGradient(layer, A, score), A), gxa(await oracleGradient(layer, A, shape, oracleScore), A));
    expect(err).toBeLessThan(1e-4);
  });
});
