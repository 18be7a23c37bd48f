import type { GraphNode } from '../../network/network.js';
import { windowPads, type Lowering } from './forward-rules.js';

/**
 * How a max-pool gradient finds each window's first maximum (row-major), where it routes dy:
 * - `routed` (the executor's default): a max is separable, so the pool is a 1-D pool along the
 *   rows of each window followed by one down its columns, and the first maximum in row-major
 *   order is the first row holding the window's maximum, then the first column of that row
 *   holding the row's. Each 1-D stage routes dy by comparing the window's k shifted inputs with
 *   its output (Pad, Equal, Where) and shifts the k parts back (Pad, Sum): some 20 element-wise
 *   ops per pool, all vectorised and threaded, no indices and no scatter. On the AVX-512 EPYC
 *   this made the max-pool gradients ~10x cheaper than `indices`, whose MaxPool runs a scalar
 *   generic kernel and whose ScatterElements adds one element at a time.
 * - `indices`: MaxPool's own Indices output (flat NCHW positions, ties
 *   to the first maximum). ORT's MaxPool with indices runs a generic kernel far slower than the
 *   plain one, yet the whole step measured ~10-30% faster than `separable` at batch 10 on a
 *   quiet 2-core machine: fewer, larger ops.
 * - `separable`: the first maximum of each window row (leftmost), then the first row whose
 *   maximum is the window's (topmost): row-major first-max from Slice/Max/Equal/Where alone,
 *   with the forward MaxPool on ORT's fast kernel. Lower single-thread CPU time in some runs;
 *   an independent routing that tests check against the other.
 * Either way dy is scatter-added (ScatterElements, reduction add) to the chosen positions, so
 * a tied window sends its gradient to one element only, as TensorFlow's CPU MaxPoolGrad does.
 */
export type PoolGradForm = 'routed' | 'indices' | 'separable';

/** dScore/dx of a max-pool, NCHW, given its input `x`, its output gradient `dy`. */
export function maxPoolGrad(l: Lowering, node: GraphNode, x: string, dy: string, form: PoolGradForm, indices?: string): string {
  const { b } = l;
  const [H, W] = l.net.byName.get(node.inputs[0])!.shape;
  const [Ho, Wo] = node.shape;
  const HW = H * W;
  if (form === 'routed') return routedPoolGrad(l, node, x, dy);
  if (form === 'indices') {
    // Flat NCHW positions index the whole tensor flattened: one scatter, no per-row arithmetic.
    const flat = b.ints([1, -1]);
    const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [b.op1('Reshape', [x, flat])])], {}, `${node.name}_zeros`);
    const scattered = b.op1('ScatterElements', [zeros, b.op1('Reshape', [indices!, flat]), b.op1('Reshape', [dy, flat])], {
      axis: 1,
      reduction: 'add',
    });
    return b.op1('Reshape', [scattered, b.op1('Shape', [x])], {}, `${node.name}_grad`);
  }
  // Scatter within each (batch, channel) row: positions are then spatial, 0..H*W-1.
  const rows = b.ints([-1, HW]);
  const positions = firstMaxPositions(l, node, x, H, W, Ho, Wo);
  const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [b.op1('Reshape', [x, rows])])], {}, `${node.name}_zeros`);
  const outRows = b.ints([-1, Ho * Wo]);
  const scattered = b.op1('ScatterElements', [zeros, b.op1('Reshape', [positions, outRows]), b.op1('Reshape', [dy, outRows])], {
    axis: 1,
    reduction: 'add',
  });
  return b.op1('Reshape', [scattered, b.op1('Shape', [x])], {}, `${node.name}_grad`);
}

/** For each output (b, c, ho, wo): the spatial position h*W + w of its window's first maximum. */
function firstMaxPositions(l: Lowering, node: GraphNode, x: string, H: number, W: number, Ho: number, Wo: number): string {
  const { b } = l;
  const [kh, kw] = node.attrs.kernel!;
  const [sh, sw] = node.attrs.strides!;
  const [t, left, bottom, right] = windowPads(node, [H, W], [kh, kw]);
  // -inf padding never wins, as in MaxPool (a SAME window always holds a real element).
  const xp = b.op1('Pad', [x, b.ints([0, 0, t, left, 0, 0, bottom, right]), b.scalar(-Infinity)], { mode: 'constant' });
  const slice = (v: string, axis: number, start: number, step: number, count: number) =>
    b.op1('Slice', [v, b.ints([start]), b.ints([start + (count - 1) * step + 1]), b.ints([axis]), b.ints([step])]);

  // Along each row: the maximum over the kw columns of every window, and its first column.
  const cols = Array.from({ length: kw }, (_, j) => slice(xp, 3, j, sw, Wo));
  const rowMax = kw === 1 ? cols[0] : b.op1('Max', cols, {}, `${node.name}_rowmax`);
  let firstCol = b.scalar(kw - 1);
  for (let j = kw - 2; j >= 0; j--) firstCol = b.op1('Where', [b.op1('Equal', [cols[j], rowMax]), b.scalar(j), firstCol]);

  // Down the window: the first row holding the window maximum, and that row's first column.
  const rowMaxes = Array.from({ length: kh }, (_, i) => slice(rowMax, 2, i, sh, Ho));
  const firstCols = kw === 1 ? [] : Array.from({ length: kh }, (_, i) => slice(firstCol, 2, i, sh, Ho));
  const max = kh === 1 ? rowMaxes[0] : b.op1('Max', rowMaxes, {}, `${node.name}_max`);
  // Offsets in the window, as spatial position deltas: row i adds i*W, column j adds j.
  let offset = kw === 1 ? b.scalar((kh - 1) * W) : b.op1('Add', [firstCols[kh - 1], b.scalar((kh - 1) * W)]);
  for (let i = kh - 2; i >= 0; i--) {
    const here = kw === 1 ? b.scalar(i * W) : b.op1('Add', [firstCols[i], b.scalar(i * W)]);
    offset = b.op1('Where', [b.op1('Equal', [rowMaxes[i], max]), here, offset]);
  }
  // Window origin (top-left, in unpadded coordinates) of each output position.
  const origin = new Array<number>(Ho * Wo);
  for (let ho = 0; ho < Ho; ho++) for (let wo = 0; wo < Wo; wo++) origin[ho * Wo + wo] = (ho * sh - t) * W + (wo * sw - left);
  return b.op1(
    'Cast',
    [b.op1('Add', [offset, b.floats(`${node.name}_origin`, Float32Array.from(origin), [1, 1, Ho, Wo])])],
    { to: 7 },
    `${node.name}_first_max`,
  );
}

/**
 * The `routed` form: dx of a max-pool as two 1-D first-max routings, down the columns (the
 * window rows' maxima against the output) then along the rows (the input against those maxima).
 */
function routedPoolGrad(l: Lowering, node: GraphNode, x: string, dy: string): string {
  const { b } = l;
  const [H, W] = l.net.byName.get(node.inputs[0])!.shape;
  const [Ho, Wo] = node.shape;
  const [kh, kw] = node.attrs.kernel!;
  const [sh, sw] = node.attrs.strides!;
  const [t, left, bottom, right] = windowPads(node, [H, W], [kh, kw]);
  const y = l.values.get(node.name)!;
  // The maximum of each window row: a 1 x kw pool over the input (ORT's fast kernel).
  const rowMax =
    kw === 1 && sw === 1
      ? x
      : b.op1('MaxPool', [x], { kernel_shape: [1, kw], strides: [1, sw], pads: [0, left, 0, right] }, `${node.name}_rowmax`);
  const dRowMax = kh === 1 && sh === 1 ? dy : route1d(l, `${node.name}_cols`, 2, rowMax, y, dy, H, Ho, kh, sh, t);
  return kw === 1 && sw === 1 ? dRowMax : route1d(l, `${node.name}_rows`, 3, x, rowMax, dRowMax, W, Wo, kw, sw, left);
}

/** ONNX Pad amounts for one axis of a 4-D value: `before` and `after` that axis, zero elsewhere; negative crops. */
function axisPads(axis: number, before: number, after: number): number[] {
  const p = [0, 0, 0, 0, 0, 0, 0, 0];
  p[axis] = before;
  p[axis + 4] = after;
  return p;
}

/**
 * The 1-D first-max routing along `axis` of a max pool `v` = maxpool1d(`r`) (kernel k, stride s,
 * `before` padding; `inLen` -> `outLen` positions): dv of each output goes to the first position
 * of its window holding the maximum. Returns dr, the size of r.
 */
function route1d(
  l: Lowering,
  hint: string,
  axis: number,
  r: string,
  v: string,
  dv: string,
  inLen: number,
  outLen: number,
  k: number,
  s: number,
  before: number,
): string {
  const { b } = l;
  // The window's j-th input of every output o: r at o*s - before + j, -inf outside r.
  const shifted = (j: number) => {
    const first = j - before;
    const last = first + (outLen - 1) * s;
    if (s === 1) {
      if (first === 0 && last === inLen - 1) return r;
      return b.op1('Pad', [r, b.ints(axisPads(axis, -first, last - (inLen - 1))), b.scalar(-Infinity)], { mode: 'constant' });
    }
    const lo = Math.min(first, 0);
    const padded = b.op1('Pad', [r, b.ints(axisPads(axis, -lo, Math.max(last - (inLen - 1), 0))), b.scalar(-Infinity)], {
      mode: 'constant',
    });
    return b.op1('Slice', [padded, b.ints([first - lo]), b.ints([last - lo + 1]), b.ints([axis]), b.ints([s])]);
  };
  // parts[j]: dv where the window's first maximum is its j-th input, else 0. Float masks (Mul,
  // Sub) rather than Where: ORT's Where is several times slower, and x * 1, x - x are exact.
  const parts: string[] = [];
  let rest = dv;
  for (let j = 0; j < k - 1; j++) {
    const isMax = b.op1('Cast', [b.op1('Equal', [shifted(j), v], {}, `${hint}_is_max`)], { to: 1 }, `${hint}_mask`);
    const part = b.op1('Mul', [rest, isMax], {}, `${hint}_part`);
    parts.push(part);
    rest = b.op1('Sub', [rest, part], {}, `${hint}_rest`);
  }
  parts.push(rest);
  // Back to r's positions: part j of output o lands on o*s - before + j = (o + m)*s + phase.
  const shift = parts.map((_, j) => Math.floor((j - before) / s));
  const phase = parts.map((_, j) => j - before - shift[j] * s);
  const uMin = Math.min(...shift);
  const uMax = outLen - 1 + Math.max(...shift);
  const U = uMax - uMin + 1;
  // Per phase, the parts landing on it, aligned on u = o + m in [uMin, uMax].
  const aligned = (j: number) => {
    const pads = [shift[j] - uMin, uMax - (outLen - 1 + shift[j])];
    return pads[0] === 0 && pads[1] === 0
      ? parts[j]
      : b.op1('Pad', [parts[j], b.ints(axisPads(axis, pads[0], pads[1]))], { mode: 'constant' });
  };
  const phases: string[] = [];
  for (let f = 0; f < s; f++) {
    const terms = parts
      .map((_, j) => j)
      .filter((j) => phase[j] === f)
      .map(aligned);
    if (terms.length) phases.push(terms.length === 1 ? terms[0] : b.op1('Sum', terms, {}, `${hint}_phase`));
    else phases.push('');
  }
  let merged: string;
  if (s === 1) merged = phases[0];
  else {
    // Interleave the phases along the axis: each repeated s times (nearest-neighbour Resize),
    // then kept only on its own positions (a constant 0/1 pattern along the axis).
    const scales = new Float32Array([1, 1, 1, 1]);
    scales[axis] = s;
    const scaleName = b.floats(`${hint}_scales`, scales, [4]);
    const terms = phases.flatMap((d, f) => {
      if (!d) return [];
      const up = b.op1('Resize', [d, '', scaleName], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      });
      const dims = [1, 1, 1, 1];
      dims[axis] = U * s;
      const pattern = Float32Array.from({ length: U * s }, (_, t) => (t % s === f ? 1 : 0));
      return [b.op1('Mul', [up, b.floats(`${hint}_phase${f}`, pattern, dims)])];
    });
    merged = terms.length === 1 ? terms[0] : b.op1('Sum', terms, {}, `${hint}_interleaved`);
  }
  // r's positions t = u*s + phase, u from uMin: crop or pad to [0, inLen).
  const lo = uMin * s;
  const hi = inLen - (uMax + 1) * s;
  if (lo === 0 && hi === 0) return merged;
  return b.op1('Pad', [merged, b.ints(axisPads(axis, lo, hi))], { mode: 'constant' }, `${hint}_grad`);
}
