import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../../server/errors/engine-error.js';
import type { ScoreSpec } from '../../../../server/engine/executors/executor.js';
import { OnnxExecutor, scoreCoefficients } from '../../../../server/engine/executors/onnx.js';
import { TfjsExecutor } from '../../../../server/engine/executors/tfjs.js';
import { decodeImage } from '../../../../server/engine/images.js';
import { loadNetwork, type Network } from '../../../../server/engine/network/network.js';

const IMAGES = resolve(__dirname, '../../../../../shared/images/224');
const image = (name: string) => decodeImage(new Uint8Array(readFileSync(`${IMAGES}/${name}.png`))).pixels;

const cls = (index: number) => ({ kind: 'class', index }) as const;
// Caffe-order indices from the model's PROVENANCE.md.
const PEKINESE = 154,
  TIGER_CAT = 282,
  LEMON = 951,
  ORANGE = 950;
const SCORES: Record<string, ScoreSpec> = {
  'Pekinese - tiger cat': { class1: cls(PEKINESE), class2: cls(TIGER_CAT) },
  'lemon - orange': { class1: cls(LEMON), class2: cls(ORANGE) },
  'logsumexp - Pekinese': { class1: { kind: 'logsumexp' }, class2: cls(PEKINESE) },
};
const LAYERS = ['mixed3a', 'mixed3b', 'mixed4a', 'mixed4b', 'mixed4c', 'mixed4d', 'mixed4e', 'mixed5a', 'mixed5b'];

function relL2(a: ArrayLike<number>, b: ArrayLike<number>) {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

const argmax = (v: ArrayLike<number>) => Array.prototype.indexOf.call(v, Math.max(...Array.from(v)));

let net: Network;
let onnx: OnnxExecutor;
/** Another max-pool gradient form (ORT's own MaxPool indices): two routings, one oracle. */
let onnxIndices: OnnxExecutor;
let tfjs: TfjsExecutor;
let dogCat: Float32Array, fruits: Float32Array;

beforeAll(async () => {
  net = loadNetwork();
  [onnx, onnxIndices, tfjs] = await Promise.all([
    OnnxExecutor.create(net),
    OnnxExecutor.create(net, { poolGrad: 'indices' }),
    TfjsExecutor.create(net, 'wasm'),
  ]);
  dogCat = image('dog_cat_composite');
  fruits = image('fruits');
});

afterAll(() => {
  onnx?.dispose();
  onnxIndices?.dispose();
  tfjs?.dispose();
});

describe('OnnxExecutor forward', () => {
  it('gives the logits tfjs gives, and the verified top-1 classes', async () => {
    for (const [img, top1] of [
      [dogCat, PEKINESE],
      [fruits, LEMON],
    ] as const) {
      const [a, b] = await Promise.all([onnx.imageLogits(img), tfjs.imageLogits(img)]);
      expect(a.length).toBe(1000);
      expect(relL2(a, b)).toBeLessThan(1e-5);
      expect(argmax(a)).toBe(top1);
    }
  });

  it('cuts at a layer: activations and logits-from-layer agree with tfjs and with the full network', async () => {
    const acts = await onnx.activations(dogCat, 'mixed4d');
    expect(acts.length).toBe(14 * 14 * 528);
    expect(relL2(acts, await tfjs.activations(dogCat, 'mixed4d'))).toBeLessThan(1e-5);
    const fromLayer = await onnx.logits('mixed4d', acts, 1);
    expect(relL2(fromLayer, await onnx.imageLogits(dogCat))).toBeLessThan(1e-5);
    // A batch of two: item 1 (zeros) must not leak into item 0.
    const two = new Float32Array(acts.length * 2);
    two.set(acts);
    const l2 = await onnx.logits('mixed4d', two, 2);
    expect(relL2(l2.subarray(0, 1000), fromLayer)).toBeLessThan(1e-6);
    expect(relL2(l2.subarray(1000), await tfjs.logits('mixed4d', new Float32Array(acts.length), 1))).toBeLessThan(1e-5);
  });
});

describe('OnnxExecutor gradients agree with TfjsExecutor (gradient x activation, relative L2 < 1e-4)', () => {
  // One batch per layer and score: dog/cat and fruits at alpha = 1, and dog/cat at alpha = 0
  // (all zeros: downstream every max-pool window ties, where wrong tie routing shows).
  it.each(LAYERS)('%s', async (layer) => {
    const [a1, a2] = await Promise.all([tfjs.activations(dogCat, layer), tfjs.activations(fruits, layer)]);
    const size = a1.length;
    const batch = new Float32Array(size * 3);
    batch.set(a1, 0);
    batch.set(a2, size);
    const realActs = [a1, a2, a1];
    for (const [label, score] of Object.entries(SCORES)) {
      const [t, ...forms] = await Promise.all([tfjs, onnx, onnxIndices].map((e) => e.gradients(layer, batch, 3, score)));
      for (const [f, o] of forms.entries()) {
        for (let k = 0; k < 3; k++) {
          const gxa = (g: Float32Array) => g.subarray(k * size, (k + 1) * size).map((v, i) => v * realActs[k][i]);
          const err = relL2(gxa(o.grads), gxa(t.grads));
          expect(err, `${layer}, ${label}, item ${k}, ${f === 0 ? 'routed (default)' : 'indices'} pool gradient`).toBeLessThan(1e-4);
          expect(o.scores[k]).toBeCloseTo(t.scores[k], 3);
        }
      }
    }
  });
});

describe('OnnxExecutor gradients against independent oracles', () => {
  it('matches a central finite difference along the path direction at mixed4d', async () => {
    const acts = await onnx.activations(dogCat, 'mixed4d');
    const score = SCORES['Pekinese - tiger cat'];
    const { grads } = await onnx.gradients('mixed4d', acts, 1, score);
    let directional = 0;
    for (let i = 0; i < acts.length; i++) directional += grads[i] * acts[i];
    const eps = 1e-3;
    const pair = new Float32Array(acts.length * 2);
    for (let i = 0; i < acts.length; i++) {
      pair[i] = acts[i] * (1 + eps);
      pair[acts.length + i] = acts[i] * (1 - eps);
    }
    const l = await onnx.logits('mixed4d', pair, 2);
    const f = (o: number) => l[o + PEKINESE] - l[o + TIGER_CAT];
    const fd = (f(0) - f(1000)) / (2 * eps);
    expect(Math.abs(fd - directional) / Math.abs(directional)).toBeLessThan(1e-2);
  });

  it('a none score gives zero gradients, and class1 - class2 is minus class2 - class1', async () => {
    const acts = await onnx.activations(fruits, 'mixed5a');
    const none = await onnx.gradients('mixed5a', acts, 1, { class1: { kind: 'none' }, class2: { kind: 'none' } });
    expect(none.grads.every((v) => v === 0)).toBe(true);
    expect(none.scores[0]).toBe(0);
    const ab = await onnx.gradients('mixed5a', acts, 1, { class1: cls(LEMON), class2: cls(ORANGE) });
    const ba = await onnx.gradients('mixed5a', acts, 1, { class1: cls(ORANGE), class2: cls(LEMON) });
    expect(
      relL2(
        ab.grads.map((v) => -v),
        ba.grads,
      ),
    ).toBeLessThan(1e-6);
    expect(ab.scores[0]).toBeCloseTo(-ba.scores[0], 5);
  });

  it('encodes scores as one-hot differences plus a softmax weight', () => {
    const c = scoreCoefficients({ class1: cls(3), class2: { kind: 'logsumexp' } }, 10);
    expect(Array.from(c.weights)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(c.lse).toBe(-1);
    expect(scoreCoefficients({ class1: { kind: 'logsumexp' }, class2: { kind: 'logsumexp' } }, 10).lse).toBe(0);
  });
});

describe('OnnxExecutor session cache', () => {
  it('keeps the most recent layers compiled, recompiles an evicted one to the same result, and never releases a running session', async () => {
    const small = await OnnxExecutor.create(net, { cachedLayers: 1 });
    const acts = await onnx.activations(fruits, 'mixed5a');
    const score = SCORES['lemon - orange'];
    const first = await small.gradients('mixed5a', acts, 1, score);
    await small.logits('mixed5b', await onnx.activations(fruits, 'mixed5b'), 1);
    expect(small.compiledGraphs).toEqual(['logits:mixed5b']);
    const again = await small.gradients('mixed5a', acts, 1, score);
    expect(Array.from(again.grads)).toEqual(Array.from(first.grads));
    expect(small.compiledGraphs).toEqual(['gradient:mixed5a']);
    // Evicting or disposing while a run is in flight defers the release to the run's end.
    const running = small.gradients('mixed5a', acts, 1, score);
    const evicting = small.logits('mixed5b', await onnx.activations(fruits, 'mixed5b'), 1);
    small.dispose();
    expect(Array.from((await running).grads)).toEqual(Array.from(first.grads));
    await evicting;
  });
});

describe('OnnxExecutor errors', () => {
  const expectEngineError = async (p: Promise<unknown>, code: string, message: RegExp) => {
    const e = await p.then(
      () => undefined,
      (err) => err,
    );
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  };

  it('refuses a layer outside the attribution layers', async () => {
    await expectEngineError(
      onnx.gradients('conv2d2', new Float32Array(56 * 56 * 192), 1, SCORES['lemon - orange']),
      'UNKNOWN_LAYER',
      /choose one of mixed3a/,
    );
    await expectEngineError(onnx.gradients('nope', new Float32Array(1), 1, SCORES['lemon - orange']), 'UNKNOWN_LAYER', /nope/);
  });

  it('refuses a graph it cannot differentiate (a stride-2 conv after the layer)', async () => {
    const nodes = net.nodes.map((n) =>
      n.name === 'mixed5b_1x1_pre_relu/conv' ? { ...n, attrs: { ...n.attrs, strides: [2, 2] as [number, number] } } : n,
    );
    const broken = await OnnxExecutor.create({ ...net, nodes, byName: new Map(nodes.map((n) => [n.name, n])) });
    await expectEngineError(
      broken.gradients('mixed5a', new Float32Array(7 * 7 * 832), 1, SCORES['lemon - orange']),
      'UNKNOWN_LAYER',
      /mixed5b_1x1_pre_relu\/conv.*stride 2x2/,
    );
    broken.dispose();
  });

  it('names a missing weight', async () => {
    const weights = new Map(net.weights);
    weights.delete('mixed5b_3x3_w');
    const broken = await OnnxExecutor.create({ ...net, weights });
    await expectEngineError(
      broken.gradients('mixed5a', new Float32Array(7 * 7 * 832), 1, SCORES['lemon - orange']),
      'MODEL_CORRUPT',
      /mixed5b_3x3_w/,
    );
    await expectEngineError(broken.imageLogits(dogCat), 'MODEL_CORRUPT', /mixed5b_3x3_w/);
    broken.dispose();
  });

  it('checks batch sizes, images and class indices', async () => {
    const layerSize = 7 * 7 * 832;
    await expectEngineError(
      onnx.gradients('mixed5a', new Float32Array(layerSize * 2 - 1), 2, SCORES['lemon - orange']),
      'BAD_ARGUMENT',
      /2x7x7x832/,
    );
    await expectEngineError(onnx.logits('mixed5a', new Float32Array(layerSize), 0), 'BAD_ARGUMENT', /0x7x7x832/);
    await expectEngineError(onnx.imageLogits(new Float32Array(10)), 'BAD_IMAGE', /224x224x3/);
    await expectEngineError(
      onnx.gradients('mixed5a', new Float32Array(layerSize), 1, { class1: cls(1000), class2: { kind: 'none' } }),
      'UNKNOWN_CLASS',
      /0\.\.999/,
    );
  });
});
