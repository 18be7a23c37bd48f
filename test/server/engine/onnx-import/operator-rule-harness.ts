import * as ort from 'onnxruntime-node';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';
import { ImportedGraphWriter } from '../../../../server/engine/onnx-import/compile-imported.js';
import type { ConstantTensor } from '../../../../server/engine/onnx-import/constant-tensor.js';
import type { ImportedModel } from '../../../../server/engine/onnx-import/imported-model.js';
import type { Attribute, OnnxGraph, OnnxNode } from '../../../../server/engine/onnx-import/onnx-graph.js';
import { analyseGraph, type AnalysedGraph } from '../../../../server/engine/onnx-import/shape-inference.js';

/** One input of an operator under test: a value fed at run time (its batch-1 shape), or a constant. */
export type CaseInput = { live: number[]; values?: (rand: () => number, n: number) => number[] } | { constant: ConstantTensor } | null;

/** One operator alone: a single node, its inputs, its attributes. */
export interface OperatorCase {
  op: string;
  inputs: CaseInput[];
  attrs?: Record<string, Attribute>;
  outputs?: number;
  /** The opset the node is written at (17 by default, PyTorch 1.13's). */
  opset?: number;
}

export const ints = (value: number[]): Attribute => ({ type: 'ints', value });
export const int = (value: number): Attribute => ({ type: 'int', value });
export const float = (value: number): Attribute => ({ type: 'float', value });
export const str = (value: string): Attribute => ({ type: 'string', value });
export const i64 = (values: number[], dims = [values.length]): CaseInput => ({ constant: { dtype: 'int64', dims, data: values } });
export const f32 = (values: number[], dims = [values.length]): CaseInput => ({
  constant: { dtype: 'float32', dims, data: Float32Array.from(values) },
});

/** Values well away from each other (no near-ties for max-pools) and from 0 (no ReLU kinks): a shuffled grid. */
export const spaced = (rand: () => number, n: number) => {
  const v = Array.from({ length: n }, (_, i) => ((i + 0.5) / n) * 4 - 2);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  // Nudge the grid off 0 and other kinks (ReLU6's 6, HardSwish's +-3 stay far at this scale).
  return v.map((x) => (Math.abs(x) < 0.05 ? x + 0.1 : x));
};

export const randomConstant = (rand: () => number, dims: number[], scale = 1): ConstantTensor => ({
  dtype: 'float32',
  dims,
  data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * scale),
});

interface Built {
  graph: AnalysedGraph;
  node: OnnxNode;
  live: { name: string; shape: number[] }[];
  outShapes: number[][];
  forward: ort.InferenceSession;
  vjp: ort.InferenceSession;
}

/** Builds the node's forward graph and its vector-Jacobian graph (the rule's backward), both with a dynamic batch. */
export async function build(c: OperatorCase): Promise<Built> {
  const constants = new Map<string, ConstantTensor>();
  const live: { name: string; shape: number[] }[] = [];
  const inputs = c.inputs.map((x, i) => {
    if (!x) return '';
    const name = `in${i}`;
    if ('constant' in x) constants.set(name, x.constant);
    else live.push({ name, shape: x.live });
    return name;
  });
  const node: OnnxNode = {
    name: `${c.op}_under_test`,
    op: c.op,
    inputs,
    outputs: Array.from({ length: c.outputs ?? 1 }, (_, j) => `out${j}`),
    attrs: { ...(c.attrs ?? {}) },
  };
  const opset = c.opset ?? 17;
  const g: OnnxGraph = { nodes: [node], constants, input: { name: live[0].name, dims: live[0].shape }, outputs: node.outputs, opset };
  const graph = analyseGraph(g, live[0].shape, new Map(live.slice(1).map((l) => [l.name, l.shape])));
  const m = { name: c.op, graph, opset, layers: [], classes: 0, logits: '' } as unknown as ImportedModel;
  const outShapes = node.outputs.map((o) => graph.shapes.get(o)!);
  // Where the node cannot take a batch, every shape stays as traced (batch 1).
  const dims = (s: number[]) => (graph.unbatchable ? s : ['B', ...s.slice(1)]);

  const fw = new ImportedGraphWriter(m, `${c.op}_forward`);
  for (const l of live) fw.b.input(l.name, dims(l.shape));
  fw.forward(graph.nodes, new Set());
  node.outputs.forEach((o, j) => fw.b.output(o, dims(outShapes[j])));

  const bw = new ImportedGraphWriter(m, `${c.op}_vjp`);
  for (const l of live) bw.b.input(l.name, dims(l.shape));
  bw.forward(graph.nodes, new Set(graph.nodes));
  const seeds = node.outputs.map((o, j): [string, string] => [o, bw.b.input(`seed${j}`, dims(outShapes[j]))]);
  const grads = bw.backwardTo(
    graph.nodes,
    seeds,
    live.map((l) => l.name),
  );
  grads.forEach((gname, i) => bw.b.output(bw.b.op1('Identity', [gname], {}, `grad${i}`), dims(live[i].shape)));

  const options = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' as const, logSeverityLevel: 3 as const };
  const [forward, vjp] = await Promise.all([
    ort.InferenceSession.create(fw.b.toBytes(), options),
    ort.InferenceSession.create(bw.b.toBytes(), options),
  ]);
  return { graph, node, live, outShapes, forward, vjp };
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const tensor = (data: Float32Array, shape: number[], batch: number) =>
  new ort.Tensor('float32', data, data.length === size(shape) ? shape : [batch, ...shape.slice(1)]);

export interface CheckResult {
  /** Output shapes ONNX Runtime gives, against the rule's. */
  ortShapes: number[][];
  ruleShapes: number[][];
  /** |J^T w . v - (w . f(x + h v) - w . f(x - h v)) / 2h| / scale, the worst over the directions. */
  worstRelativeError: number;
  /** The same batch-2 VJP against two batch-1 runs (the batch must not mix items). */
  batchMismatch: number;
}

/**
 * Checks a rule against ONNX Runtime's own forward pass: for random inputs x, output weights w
 * and directions v, the VJP's J^T w dotted with v must equal the central finite difference of
 * w . f(x) along v. Both batch items are checked, and the batch-2 run against batch-1 runs.
 */
export async function check(c: OperatorCase, seed = 1, directions = 3, h = 1e-3): Promise<CheckResult> {
  const b = await build(c);
  const rand = mulberry32(seed);
  // A node that cannot take a batch runs one item at a time in the executor: check it at 1.
  const B = b.graph.unbatchable ? 1 : 2;
  const xs = b.live.map((l, i) => {
    const input = c.inputs.filter((x) => x && 'live' in x)[i] as { live: number[]; values?: (r: () => number, n: number) => number[] };
    return Float32Array.from((input.values ?? spaced)(rand, B * size(l.shape)));
  });
  const ws = b.outShapes.map((s) => Float32Array.from({ length: B * size(s) }, () => rand() * 2 - 1));
  const feeds = (inputs: Float32Array[], batch: number, offset = 0) =>
    Object.fromEntries(
      b.live.map((l, i) => [l.name, tensor(inputs[i].subarray(offset * size(l.shape), (offset + batch) * size(l.shape)), l.shape, batch)]),
    );
  const fwOut = await b.forward.run(feeds(xs, B));
  const ortShapes = b.node.outputs.map((o) => (b.graph.unbatchable ? fwOut[o].dims : [1, ...fwOut[o].dims.slice(1)]).map(Number));
  const vjpFeeds = (batch: number, offset: number) => ({
    ...feeds(xs, batch, offset),
    ...Object.fromEntries(
      b.outShapes.map((s, j) => [`seed${j}`, tensor(ws[j].subarray(offset * size(s), (offset + batch) * size(s)), s, batch)]),
    ),
  });
  const vjp = await b.vjp.run(vjpFeeds(B, 0));
  const grads = b.live.map((_, i) => vjp[`grad${i}`].data as Float32Array);

  let batchMismatch = 0;
  for (let item = 0; item < B; item++) {
    const one = await b.vjp.run(vjpFeeds(1, item));
    b.live.forEach((l, i) => {
      const g = one[`grad${i}`].data as Float32Array;
      for (let k = 0; k < g.length; k++) batchMismatch = Math.max(batchMismatch, Math.abs(g[k] - grads[i][item * size(l.shape) + k]));
    });
  }

  const objective = async (inputs: Float32Array[]) => {
    const out = await b.forward.run(feeds(inputs, B));
    let s = 0;
    b.node.outputs.forEach((o, j) => {
      const y = out[o].data as Float32Array;
      for (let k = 0; k < y.length; k++) s += ws[j][k] * y[k];
    });
    return s;
  };
  let worst = 0;
  for (let d = 0; d < directions; d++) {
    const vs = xs.map((x) => Float32Array.from(x, () => rand() * 2 - 1));
    const plus = await objective(xs.map((x, i) => x.map((v, k) => v + h * vs[i][k])));
    const minus = await objective(xs.map((x, i) => x.map((v, k) => v - h * vs[i][k])));
    const fd = (plus - minus) / (2 * h);
    let analytic = 0;
    let scale = 0;
    grads.forEach((g, i) =>
      g.forEach((v, k) => {
        analytic += v * vs[i][k];
        scale += Math.abs(v * vs[i][k]);
      }),
    );
    worst = Math.max(worst, Math.abs(analytic - fd) / Math.max(scale, 1e-6));
  }
  await Promise.all([b.forward.release(), b.vjp.release()]);
  return { ortShapes, ruleShapes: b.outShapes, worstRelativeError: worst, batchMismatch };
}
