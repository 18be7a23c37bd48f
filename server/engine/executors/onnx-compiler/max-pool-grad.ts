import type { GraphNode } from '../../network/network.js';
import { windowPads, type Lowering } from './forward-rules.js';

/**
 * How a max-pool gradient finds each window's first maximum (row-major), where it routes dy:
 * - `indices` (the executor's default): MaxPool's own Indices output (flat NCHW positions, ties
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
export type PoolGradForm = 'indices' | 'separable';

/** dScore/dx of a max-pool, NCHW, given its input `x`, its output gradient `dy`. */
export function maxPoolGrad(l: Lowering, node: GraphNode, x: string, dy: string, form: PoolGradForm, indices?: string): string {
  const { b } = l;
  const [H, W] = l.net.byName.get(node.inputs[0])!.shape;
  const [Ho, Wo] = node.shape;
  const HW = H * W;
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
