import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { maxPoolGradFirstMax, poolOutputSize } from '../../../../server/engine/executors/max-pool-grad.js';
import { GraphBuilder } from '../../../../server/engine/executors/onnx-compiler/graph-builder.js';
import { lowerForward, type Lowering } from '../../../../server/engine/executors/onnx-compiler/forward-rules.js';
import { maxPoolGrad, type PoolGradForm } from '../../../../server/engine/executors/onnx-compiler/max-pool-grad.js';
import { OnnxWeights } from '../../../../server/engine/executors/onnx-compiler/weights.js';
import type { GraphNode, Network } from '../../../../server/engine/network/network.js';

interface Case {
  name: string;
  h: number;
  w: number;
  kernel: [number, number];
  strides: [number, number];
  padding: 'SAME' | 'VALID';
}

// GoogLeNet's pools (3x3 stride 1 SAME; 3x3 stride 2 SAME, whose extra padding goes bottom/right)
// plus odd sizes, VALID and an even kernel, to pin the geometry down.
const CASES: Case[] = [
  { name: '3x3/1 SAME on 7x7', h: 7, w: 7, kernel: [3, 3], strides: [1, 1], padding: 'SAME' },
  { name: '3x3/2 SAME on 14x14 (pads 0,0,1,1)', h: 14, w: 14, kernel: [3, 3], strides: [2, 2], padding: 'SAME' },
  { name: '3x3/2 SAME on 7x9', h: 7, w: 9, kernel: [3, 3], strides: [2, 2], padding: 'SAME' },
  { name: '3x3/2 VALID on 9x8', h: 9, w: 8, kernel: [3, 3], strides: [2, 2], padding: 'VALID' },
  { name: '2x2/2 SAME on 5x6', h: 5, w: 6, kernel: [2, 2], strides: [2, 2], padding: 'SAME' },
];

/** The compiled max-pool and its gradient alone: x (NHWC) and dy (NHWC) in, dx (NHWC) out. */
async function compiledPoolGrad(c: Case, form: PoolGradForm, batch: number, channels: number) {
  const g = { batch, height: c.h, width: c.w, channels, kernel: c.kernel, strides: c.strides, padding: c.padding };
  const { Ho, Wo } = poolOutputSize(g);
  const input: GraphNode = { name: 'x', op: 'Placeholder', inputs: [], params: [], attrs: {}, shape: [c.h, c.w, channels] };
  const pool: GraphNode = {
    name: 'pool',
    op: 'MaxPool',
    inputs: ['x'],
    params: [],
    attrs: { kernel: c.kernel, strides: c.strides, padding: c.padding },
    shape: [Ho, Wo, channels],
  };
  const net = {
    nodes: [input, pool],
    byName: new Map([
      ['x', input],
      ['pool', pool],
    ]),
    weights: new Map(),
  } as unknown as Network;
  const b = new GraphBuilder('pool_grad');
  const l: Lowering = { b, net, w: new OnnxWeights(net), values: new Map(), poolIndices: new Map(), withIndices: form === 'indices' };
  const x = b.op1('Transpose', [b.input('x', ['B', c.h, c.w, channels])], { perm: [0, 3, 1, 2] });
  l.values.set('x', x);
  lowerForward(l, pool);
  const dy = b.op1('Transpose', [b.input('dy', ['B', Ho, Wo, channels])], { perm: [0, 3, 1, 2] });
  const dx = maxPoolGrad(l, pool, x, dy, form, l.poolIndices.get('pool'));
  b.output(b.op1('Transpose', [dx], { perm: [0, 2, 3, 1] }, 'dx'), ['B', c.h, c.w, channels]);
  const session = await ort.InferenceSession.create(b.toBytes(), { intraOpNumThreads: 1 });
  return {
    geometry: g,
    Ho,
    Wo,
    run: async (xs: Float32Array, dys: Float32Array) => {
      const out = await session.run({
        x: new ort.Tensor('float32', xs, [batch, c.h, c.w, channels]),
        dy: new ort.Tensor('float32', dys, [batch, Ho, Wo, channels]),
      });
      return out.dx.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** Deterministic values on a coarse grid (0, 0.25, ... 1): ties in most windows. */
function coarse(n: number, seed: number) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * 5) / 4;
  });
}

describe('compiled max-pool gradient routes to the first maximum, as the tfjs reference does', () => {
  for (const form of ['routed', 'separable', 'indices'] as PoolGradForm[]) {
    it.each(CASES)(`${form}: $name`, async (c) => {
      const batch = 2,
        channels = 3;
      const p = await compiledPoolGrad(c, form, batch, channels);
      const xs = coarse(batch * c.h * c.w * channels, 7);
      const dys = coarse(batch * p.Ho * p.Wo * channels, 11).map((v, i) => v + i);
      for (const input of [xs, new Float32Array(xs.length)]) {
        const got = await p.run(input, dys);
        const want = maxPoolGradFirstMax(input, dys, p.geometry);
        // Numerically equal: a routed part may be -0 where the reference has +0.
        expect(Array.from(got, (v) => v + 0)).toEqual(Array.from(want));
      }
      await p.release();
    });
  }
});
