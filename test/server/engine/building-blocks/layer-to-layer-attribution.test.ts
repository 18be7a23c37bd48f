import { attributionLayers } from '../../../../server/engine/network/network.js';
import { layerShape } from '../../../../server/engine/layer-info.js';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../../server/errors/engine-error.js';
import { OnnxExecutor } from '../../../../server/engine/executors/onnx.js';
import type { Executor } from '../../../../server/engine/executors/executor.js';
import {
  layerToLayerAttribution,
  MAX_TARGET_POSITIONS,
  validateLayerToLayer,
} from '../../../../server/engine/building-blocks/layer-to-layer-attribution.js';
import { loadOracleGraphModel } from '../../../helpers/graph-model-oracle.js';
import { image224, relativeL2, sharedNetwork, wasmExecutor } from '../../../helpers/fixtures.js';

/**
 * Oracles that share only the weights with the code under test:
 * - TensorFlow.js's own graph executor (loadGraphModel on model.json) differentiated by tf.grad on
 *   the cpu backend, with Lucid's objective written out: ||later[y, x, :]||_2;
 * - central finite differences of the forward pass alone: scaling the earlier layer's activation
 *   vector at one source position s by (1 + t) moves ||later[p]|| by t * map_p[s] to first order.
 */
let model: tf.GraphModel;
let onnx: OnnxExecutor;

const oracleMaps = new Map<string, Promise<Float32Array>>();
/** The oracle's map, computed once per (layers, position): both executors' activations agree to ~1e-6, far below the tolerance. */
const oracleMap = (from: string, to: string, acts: Float32Array, x: number, y: number) => {
  const key = `${from}>${to}@${x},${y}`;
  if (!oracleMaps.has(key)) oracleMaps.set(key, computeOracleMap(from, to, acts, x, y));
  return oracleMaps.get(key)!;
};

async function computeOracleMap(from: string, to: string, acts: Float32Array, x: number, y: number): Promise<Float32Array> {
  const [H, W, C] = sharedNetwork().byName.get(from)!.shape;
  tf.enableProdMode(); // no tfjs-node advert on the cpu backend's first use
  await tf.setBackend('cpu');
  const out = tf.tidy(() => {
    const a = tf.tensor4d(acts, [1, H, W, C]);
    const g = tf.grad((t: tf.Tensor) => {
      const later = model.execute({ [from]: t }, to) as tf.Tensor4D;
      return tf.sqrt(tf.sum(tf.square(tf.slice(later, [0, y, x, 0], [1, 1, 1, -1]))));
    })(a);
    return tf.sum(tf.mul(g, a), -1);
  });
  const data = out.dataSync().slice() as Float32Array;
  out.dispose();
  await tf.setBackend('wasm');
  return data;
}

beforeAll(async () => {
  await wasmExecutor();
  onnx = await OnnxExecutor.create(sharedNetwork());
  model = await loadOracleGraphModel();
}, 120_000);

afterAll(() => onnx?.dispose());

const executors: [string, () => Promise<Executor>][] = [
  ['onnx', async () => onnx],
  ['tfjs', wasmExecutor],
];

describe('layer-to-layer spatial attribution agrees with tf.grad (cpu) through the graph model', () => {
  const cases = [
    {
      image: 'dog_cat_composite',
      from: 'mixed4d',
      to: 'mixed5a',
      positions: [
        { x: 1, y: 3 },
        { x: 5, y: 2 },
        { x: 3, y: 6 },
      ],
    },
    {
      image: 'chelsea_cat',
      from: 'mixed4a',
      to: 'mixed4d',
      positions: [
        { x: 7, y: 7 },
        { x: 0, y: 13 },
      ],
    },
  ];
  for (const [name, executor] of executors) {
    for (const c of cases) {
      it(`${name}: ${c.image} ${c.from} -> ${c.to}`, async () => {
        const ex = await executor();
        const acts = await ex.activations(image224(c.image), c.from);
        const result = await layerToLayerAttribution(ex, acts, validateLayerToLayer(ex.model.layers, c.from, c.to, c.positions), {
          batch: 2,
        });
        const [H1, W1] = layerShape(ex.model.layers, c.from);
        expect([result.fromHeight, result.fromWidth]).toEqual([H1, W1]);
        expect(result.maps.map(({ x, y }) => ({ x, y }))).toEqual(c.positions);
        for (const m of result.maps) {
          expect(m.values.length).toBe(H1 * W1);
          const oracle = await oracleMap(c.from, c.to, acts, m.x, m.y);
          expect(relativeL2(m.values, oracle)).toBeLessThan(1e-3);
          // Not a degenerate map: the oracle has real mass.
          expect(Math.max(...Array.from(oracle, Math.abs))).toBeGreaterThan(1e-3);
        }
      }, 240_000);
    }
  }

  it('every target of mixed4d -> mixed5a in one request: batching changes nothing', async () => {
    const acts = await onnx.activations(image224('dog_cat_composite'), 'mixed4d');
    const all = await layerToLayerAttribution(onnx, acts, validateLayerToLayer(onnx.network.layers, 'mixed4d', 'mixed5a'));
    expect(all.maps.length).toBe(49);
    const one = await layerToLayerAttribution(
      onnx,
      acts,
      validateLayerToLayer(onnx.network.layers, 'mixed4d', 'mixed5a', [{ x: 4, y: 4 }]),
      { batch: 1 },
    );
    expect(relativeL2(all.maps[4 * 7 + 4].values, one.maps[0].values)).toBeLessThan(1e-5);
  }, 240_000);
});

describe('layer-to-layer spatial attribution matches finite differences', () => {
  it('onnx, mixed4d -> mixed5a: the strongest source position of three targets, and one more', async () => {
    const ex = onnx;
    const [H1, W1, C1] = ex.network.byName.get('mixed4d')!.shape;
    const [, W2, C2] = ex.network.byName.get('mixed5a')!.shape;
    const acts = await ex.activations(image224('dog_cat_composite'), 'mixed4d');
    const targets = [
      { x: 2, y: 2 },
      { x: 4, y: 5 },
      { x: 6, y: 1 },
    ];
    const { maps } = await layerToLayerAttribution(ex, acts, validateLayerToLayer(ex.network.layers, 'mixed4d', 'mixed5a', targets));
    const pairs = maps.flatMap((m) => {
      const order = Array.from(m.values.keys()).sort((a, b) => Math.abs(m.values[b]) - Math.abs(m.values[a]));
      return [order[0], order[1]].map((s) => ({ target: m, s }));
    });
    const h = 1e-2;
    const size = H1 * W1 * C1;
    const batch = new Float32Array(2 * pairs.length * size);
    pairs.forEach(({ s }, j) => {
      for (const [k, sign] of [
        [0, 1],
        [1, -1],
      ] as const) {
        const off = (2 * j + k) * size;
        batch.set(acts, off);
        for (let c = 0; c < C1; c++) batch[off + s * C1 + c] = acts[s * C1 + c] * (1 + sign * h);
      }
    });
    const { later } = await ex.layerGradients(
      'mixed4d',
      'mixed5a',
      batch,
      new Float32Array(2 * pairs.length * later0Size(ex)),
      2 * pairs.length,
    );
    const norm = (item: number, x: number, y: number) => {
      const o = item * later0Size(ex) + (y * W2 + x) * C2;
      let sq = 0;
      for (let c = 0; c < C2; c++) sq += later[o + c] ** 2;
      return Math.sqrt(sq);
    };
    pairs.forEach(({ target, s }, j) => {
      const fd = (norm(2 * j, target.x, target.y) - norm(2 * j + 1, target.x, target.y)) / (2 * h);
      const attr = target.values[s];
      expect(Math.abs(attr)).toBeGreaterThan(1e-3);
      expect(Math.abs(fd - attr)).toBeLessThan(0.03 * Math.abs(attr) + 1e-3);
    });
  }, 240_000);
});

const later0Size = (ex: Executor) => layerShape(ex.model.layers, 'mixed5a').reduce((a, b) => a * b, 1);

describe('layer-to-layer requests are checked before any work', () => {
  const layers = () => attributionLayers(sharedNetwork());
  const refuses = (f: () => unknown, pattern: RegExp) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).message).toMatch(pattern);
      return e as EngineError;
    }
    throw new Error('expected a refusal');
  };
  it('a target layer not after the source', () => {
    expect(
      refuses(() => validateLayerToLayer(layers(), 'mixed5a', 'mixed4d'), /must come after the source layer: mixed4d is not after mixed5a/)
        .code,
    ).toBe('BAD_ARGUMENT');
    refuses(() => validateLayerToLayer(layers(), 'mixed4d', 'mixed4d'), /must come after/);
  });
  it('an unknown layer', () => {
    expect(refuses(() => validateLayerToLayer(layers(), 'mixed4d', 'mixed9z'), /Unknown layer "mixed9z"/).code).toBe('UNKNOWN_LAYER');
    expect(refuses(() => validateLayerToLayer(layers(), 'conv2d0', 'mixed5a'), /Unknown layer "conv2d0"/).code).toBe('UNKNOWN_LAYER');
  });
  it('a position off the target grid, or twice', () => {
    refuses(() => validateLayerToLayer(layers(), 'mixed4d', 'mixed5a', [{ x: 7, y: 0 }]), /off the layer's 7x7 grid/);
    refuses(() => validateLayerToLayer(layers(), 'mixed4d', 'mixed5a', [{ x: 0, y: -1 }]), /off the layer's 7x7 grid/);
    refuses(
      () =>
        validateLayerToLayer(layers(), 'mixed4d', 'mixed5a', [
          { x: 1, y: 1 },
          { x: 1, y: 1 },
        ]),
      /listed twice/,
    );
    refuses(() => validateLayerToLayer(layers(), 'mixed4d', 'mixed5a', []), /positions is empty/);
  });
  it('too many positions', () => {
    refuses(() => validateLayerToLayer(layers(), 'mixed3a', 'mixed3b'), /mixed3b has 784 positions, more than the 196/);
    const many = Array.from({ length: MAX_TARGET_POSITIONS + 1 }, (_, p) => ({ x: p % 28, y: Math.floor(p / 28) }));
    refuses(() => validateLayerToLayer(layers(), 'mixed3a', 'mixed3b', many), /197 target positions asked for, at most 196/);
  });
});
