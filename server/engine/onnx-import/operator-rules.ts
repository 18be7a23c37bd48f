import { EngineError } from '../../errors/engine-error.js';
import { broadcastDims, reshapeDims } from './constant-folding.js';
import { elementCount, intTensor, numbersOf, type ConstantTensor } from './constant-tensor.js';
import { conv2dGradient } from './conv-gradient.js';
import { floatAttr, intAttr, intsAttr, stringAttr, type OnnxNode } from './onnx-graph.js';
import type { GradContext, OperatorRule, ShapeContext } from './rule-context.js';
import { resolveWindow, transposedWindow, type Window } from './window-geometry.js';

export type { ForwardContext, GradContext, OperatorRule, ShapeContext } from './rule-context.js';

const rank = (s: number[]) => s.length;
const norm = (axis: number, r: number) => (axis < 0 ? axis + r : axis);
const same = (c: ShapeContext) => [c.shape(0)];
const ints = (t: ConstantTensor | undefined) => (t ? numbersOf(t) : undefined);

/** Sums a gradient of the output's shape down to input i's shape (where the input was broadcast). */
function unbroadcast(c: GradContext, g: string, i: number): string {
  const out = c.outShape();
  const inp = c.inShape(i);
  const padded = [...new Array(out.length - inp.length).fill(1), ...inp];
  const axes = out.flatMap((d, k) => (padded[k] === 1 && d !== 1 && k > 0 ? [k] : []));
  let r = axes.length ? c.b.op1('ReduceSum', [g, c.b.ints(axes)], { keepdims: 1 }) : g;
  if (inp.length !== out.length) r = c.b.op1('Reshape', [r, c.b.op1('Shape', [c.x(i)])]);
  return r;
}

/** A live input must keep the batch in axis 0: the same rank as the output, and constants no wider than 1 there. */
function broadcastBatch(c: ShapeContext): string | undefined {
  const outRank = Math.max(...c.node.inputs.map((_, i) => (c.has(i) ? rank(c.shape(i)) : 0)));
  for (let i = 0; i < c.node.inputs.length; i++) {
    if (!c.has(i)) continue;
    const s = c.shape(i);
    if (c.live(i) && s.length !== outRank) return `a live input of rank ${s.length} is broadcast to rank ${outRank}`;
    if (!c.live(i) && s.length === outRank && s[0] !== 1) return `a constant of shape [${s}] is broadcast along the batch axis`;
  }
  return undefined;
}

const elementwise = (backward: OperatorRule['backward']): OperatorRule => ({ shape: same, backward });

/** dx = dy * f'(x), with f' written as ONNX ops on the forward values. */
const pointwise = (derivative: (c: GradContext, dy: string) => string): OperatorRule =>
  elementwise((c, [dy]) => [dy && c.wants(0) ? derivative(c, dy) : undefined]);

const binaryShape = (c: ShapeContext) => [broadcastDims(c.shape(0), c.shape(1), `Node ${c.node.name} (${c.node.op})`)];

const reshapeBack = (c: GradContext, dy: string) => c.b.op1('Reshape', [dy, c.b.op1('Shape', [c.x(0)])], {}, `${c.node.name}_grad`);

const passThrough: OperatorRule['backward'] = (c, [dy]) => [dy && c.wants(0) ? reshapeBack(c, dy) : undefined];

/** Axes a Reduce* node reduces, as non-negative numbers; undefined: all of them. */
function reduceAxes(node: OnnxNode, r: number, axesInput: ConstantTensor | undefined): number[] | undefined {
  const axes = ints(axesInput);
  if (!axes || axes.length === 0) return intAttr(node, 'noop_with_empty_axes', 0) ? [] : undefined;
  return axes.map((a) => norm(a, r));
}

function reduceShape(c: ShapeContext): number[][] {
  const s = c.shape(0);
  const axes = reduceAxes(c.node, s.length, c.has(1) ? c.requireConstant(1, 'axes') : undefined) ?? s.map((_, i) => i);
  const keep = intAttr(c.node, 'keepdims', 1) === 1;
  return [keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i))];
}

function reduceBatch(c: ShapeContext) {
  const axes = reduceAxes(c.node, c.shape(0).length, c.constant(1));
  return !axes || axes.includes(0) ? 'it reduces over the batch axis' : undefined;
}

/** d mean or d sum of a reduction: dy (with the reduced axes kept) spread over the input, divided by the count for a mean. */
function reduceBackward(mean: boolean): OperatorRule['backward'] {
  return (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const s = c.inShape(0);
    const axes = reduceAxes(c.node, s.length, c.constant(1)) ?? s.map((_, i) => i);
    const { b } = c;
    let g = intAttr(c.node, 'keepdims', 1) === 1 || axes.length === 0 ? dy : b.op1('Unsqueeze', [dy, b.ints(axes)]);
    if (mean) g = b.op1('Mul', [g, b.scalar(1 / axes.reduce((n, a) => n * s[a], 1))]);
    return [b.op1('Expand', [g, b.op1('Shape', [c.x(0)])], {}, `${c.node.name}_grad`)];
  };
}

function convRule(): OperatorRule {
  const windowOf = (c: ShapeContext) => {
    const w = c.requireConstant(1, 'filter');
    const x = c.shape(0);
    if (x.length !== 4 || w.dims.length !== 4) c.fail('only 2-D convolutions ([N, C, H, W]) are supported');
    const group = intAttr(c.node, 'group', 1);
    if (x[1] !== w.dims[1] * group) c.fail(`its filter [${w.dims}] with group ${group} does not match ${x[1]} input channels`);
    return resolveWindow(c.node, x.slice(2), intsAttr(c.node, 'kernel_shape', w.dims.slice(2)));
  };
  return {
    shape: (c) => {
      const win = windowOf(c);
      return [[c.shape(0)[0], c.requireConstant(1, 'filter').dims[0], ...win.out]];
    },
    backward: (c, [dy]) => {
      if (!dy || !c.wants(0)) return [undefined];
      if (c.wants(1)) c.fail('its filter is computed at run time');
      const w = c.constant(1);
      if (!w || !(w.data instanceof Float32Array)) return c.fail('its filter is not a float32 constant');
      return [conv2dGradient(c, dy, w)];
    },
  };
}

function poolWindow(c: ShapeContext): Window {
  const x = c.shape(0);
  if (x.length !== 4) c.fail('only 2-D pooling ([N, C, H, W]) is supported');
  return resolveWindow(c.node, x.slice(2), intsAttr(c.node, 'kernel_shape'));
}

/** Rebuilds a pool's window from its (already resolved) attributes, for the backward pass. */
function windowFromNode(c: GradContext): Window {
  const shapeCtx = { node: c.node, shape: () => c.inShape(0), fail: c.fail } as unknown as ShapeContext;
  return poolWindow(shapeCtx);
}

const maxPool: OperatorRule = {
  shape: (c) => {
    if (c.node.outputs.length > 1 && c.node.outputs[1]) c.fail('its Indices output is used by the model');
    if (intAttr(c.node, 'storage_order', 0) !== 0) c.fail('storage_order 1 (column-major indices) is not supported');
    const win = poolWindow(c);
    return [[...c.shape(0).slice(0, 2), ...win.out]];
  },
  forward: (c) => {
    if (!c.differentiated) return c.emit([c.node.outputs[0]]);
    // Indices: flat NCHW positions into the unpadded input, ties to the first maximum, as the
    // built-in compiler and PyTorch's CPU kernel route max-pool gradients.
    const indices = c.b.fresh(`${c.node.outputs[0]}__indices`);
    c.emit([c.node.outputs[0], indices]);
    c.save('indices', indices);
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b } = c;
    const flat = b.ints([1, -1]);
    const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [b.op1('Reshape', [c.x(0), flat])])], {}, `${c.node.name}_zeros`);
    const scattered = b.op1('ScatterElements', [zeros, b.op1('Reshape', [c.saved('indices')!, flat]), b.op1('Reshape', [dy, flat])], {
      axis: 1,
      reduction: 'add',
    });
    return [b.op1('Reshape', [scattered, b.op1('Shape', [c.x(0)])], {}, `${c.node.name}_grad`)];
  },
};

/**
 * AveragePool's adjoint: dy scaled by each window's 1/divisor, spread over its window by a
 * ConvTranspose with a kernel of ones. The divisors come from ONNX Runtime itself (its
 * AveragePool of a ones image, divided by each window's count of real pixels, which is pure
 * geometry), so ceil_mode and count_include_pad mean exactly what the forward pass did.
 */
const averagePool: OperatorRule = {
  shape: (c) => [[...c.shape(0).slice(0, 2), ...poolWindow(c).out]],
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b, node } = c;
    const [, , H, W] = c.inShape(0);
    const win = windowFromNode(c);
    if (win.dilations.some((d) => d !== 1)) c.fail('dilated average pooling is not supported');
    const [Ho, Wo] = win.out;
    const real = new Float32Array(Ho * Wo);
    const span = (o: number, axis: number, size: number) => {
      const start = o * win.strides[axis] - win.pads[axis];
      return Math.max(0, Math.min(start + win.kernel[axis], size) - Math.max(start, 0));
    };
    for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) real[i * Wo + j] = Math.max(1, span(i, 0, H) * span(j, 1, W));
    const attrs = { kernel_shape: win.kernel, strides: win.strides, pads: win.pads, ceil_mode: win.ceil ? 1 : 0 };
    const include = intAttr(node, 'count_include_pad', 0);
    const onesImage = b.floats(`${node.name}_ones_image`, new Float32Array(H * W).fill(1), [1, 1, H, W]);
    const averaged = b.op1('AveragePool', [onesImage], { ...attrs, count_include_pad: include });
    const inverse = b.op1(
      'Div',
      [averaged, b.floats(`${node.name}_real_counts`, real, [1, 1, Ho, Wo])],
      {},
      `${node.name}_inverse_divisor`,
    );
    const rows = b.op1('Reshape', [b.op1('Mul', [dy, inverse]), b.ints([-1, 1, Ho, Wo])]);
    const t = transposedWindow(win, [H, W]);
    const ones = b.floats(`${node.name}_ones_kernel`, new Float32Array(elementCount(win.kernel)).fill(1), [1, 1, ...win.kernel]);
    let g = b.op1('ConvTranspose', [rows, ones], {
      kernel_shape: win.kernel,
      strides: win.strides,
      pads: t.pads,
      output_padding: t.outputPadding,
    });
    if (t.padAfter.some((p) => p > 0)) g = b.op1('Pad', [g, b.ints([0, 0, 0, 0, 0, 0, ...t.padAfter])]);
    return [b.op1('Reshape', [g, b.op1('Shape', [c.x(0)])], {}, `${node.name}_grad`)];
  },
};

const globalAveragePool: OperatorRule = {
  shape: (c) => [
    [
      ...c.shape(0).slice(0, 2),
      ...c
        .shape(0)
        .slice(2)
        .map(() => 1),
    ],
  ],
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const n = elementCount(c.inShape(0).slice(2));
    return [c.b.op1('Expand', [c.b.op1('Mul', [dy, c.b.scalar(1 / n)]), c.b.op1('Shape', [c.x(0)])], {}, `${c.node.name}_grad`)];
  },
};

/** GlobalMaxPool: the gradient goes to each map's first maximum (row-major), as MaxPool's does. */
const globalMaxPool: OperatorRule = {
  shape: globalAveragePool.shape,
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b } = c;
    const [, C] = c.inShape(0);
    const rows = b.op1('Reshape', [c.x(0), b.ints([0, C, -1])]);
    const at = b.op1('ArgMax', [rows], { axis: 2, keepdims: 1, select_last_index: 0 });
    const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [rows])]);
    const g = b.op1('ScatterElements', [zeros, at, b.op1('Reshape', [dy, b.ints([0, C, 1])])], { axis: 2 });
    return [b.op1('Reshape', [g, b.op1('Shape', [c.x(0)])], {}, `${c.node.name}_grad`)];
  },
};

/** The per-channel constant [1, C, 1, ...] of a normalization's affine factor. */
function channelFactor(c: GradContext, values: Float32Array, hint: string): string {
  const r = c.inShape(0).length;
  return c.b.floats(hint, values, [1, values.length, ...new Array(r - 2).fill(1)]);
}

const batchNormalization: OperatorRule = {
  shape: (c) => {
    if (c.node.outputs.filter(Boolean).length > 1 || intAttr(c.node, 'training_mode', 0) === 1)
      c.fail('it runs in training mode; export the model in eval mode');
    for (let i = 1; i <= 4; i++) c.requireConstant(i, ['', 'scale', 'bias', 'mean', 'variance'][i]);
    return [c.shape(0)];
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    // Inference form: y = (x - mean) / sqrt(var + eps) * scale + bias, so dx = dy * scale / sqrt(var + eps).
    const scale = numbersOf(c.constant(1)!);
    const variance = numbersOf(c.constant(4)!);
    const eps = Math.fround(floatAttr(c.node, 'epsilon', 1e-5));
    const factor = Float32Array.from(scale, (s, i) => s / Math.sqrt(Math.fround(variance[i] + eps)));
    return [c.b.op1('Mul', [dy, channelFactor(c, factor, `${c.node.name}_grad_factor`)], {}, `${c.node.name}_grad`)];
  },
};

const layerNormalization: OperatorRule = {
  shape: (c) => {
    if (c.node.outputs.slice(1).some(Boolean)) c.fail('its Mean or InvStdDev output is used by the model');
    const axis = norm(intAttr(c.node, 'axis', -1), c.shape(0).length);
    if (axis === 0) c.fail('it normalises over the batch axis');
    c.requireConstant(1, 'scale');
    return [c.shape(0)];
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b, node } = c;
    const r = c.inShape(0).length;
    const axes = b.ints(Array.from({ length: r - norm(intAttr(node, 'axis', -1), r) }, (_, k) => norm(intAttr(node, 'axis', -1), r) + k));
    const mean = (v: string) => b.op1('ReduceMean', [v, axes], { keepdims: 1 });
    const x = c.x(0);
    const centred = b.op1('Sub', [x, mean(x)]);
    const variance = mean(b.op1('Mul', [centred, centred]));
    const rstd = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [variance, b.scalar(floatAttr(node, 'epsilon', 1e-5))])])]);
    const xhat = b.op1('Mul', [centred, rstd]);
    const g = b.op1('Mul', [dy, c.x(1)]);
    // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) over the normalised axes.
    const inner = b.op1('Sub', [b.op1('Sub', [g, mean(g)]), b.op1('Mul', [xhat, mean(b.op1('Mul', [g, xhat]))])]);
    return [b.op1('Mul', [inner, rstd], {}, `${node.name}_grad`), undefined, undefined];
  },
};

/**
 * LRN: y_c = x_c * d_c^-beta with d_c = bias + alpha/size * sum over the channel window of x^2,
 * so dx_j = dy_j d_j^-beta - 2 alpha/size beta x_j sum_{c: j in window(c)} dy_c y_c / d_c. The
 * channel-window sums are average pools along the channels of a [B, 1, C, H*W] view.
 */
const lrn: OperatorRule = {
  shape: (c) => {
    if (c.shape(0).length !== 4) c.fail('only LRN over [N, C, H, W] is supported');
    return [c.shape(0)];
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b, node } = c;
    const [, C, H, W] = c.inShape(0);
    const size = intAttr(node, 'size', 5);
    const alpha = floatAttr(node, 'alpha', 1e-4);
    const beta = floatAttr(node, 'beta', 0.75);
    const bias = floatAttr(node, 'bias', 1);
    const lo = Math.floor((size - 1) / 2);
    const hi = Math.ceil((size - 1) / 2);
    const windowSum = (v: string, before: number, after: number) => {
      const rows = b.op1('Reshape', [v, b.ints([-1, 1, C, H * W])]);
      const avg = b.op1('AveragePool', [rows], {
        kernel_shape: [size, 1],
        pads: [before, 0, after, 0],
        strides: [1, 1],
        count_include_pad: 1,
      });
      return b.op1('Mul', [b.op1('Reshape', [avg, b.ints([-1, C, H, W])]), b.scalar(size)]);
    };
    const x = c.x(0);
    const d = b.op1('Add', [b.op1('Mul', [windowSum(b.op1('Mul', [x, x]), lo, hi), b.scalar(alpha / size)]), b.scalar(bias)]);
    const direct = b.op1('Mul', [dy, b.op1('Pow', [d, b.scalar(-beta)])]);
    const inner = b.op1('Div', [b.op1('Mul', [dy, c.y()]), d]);
    // The transpose of a window [c - lo, c + hi] is [j - hi, j + lo].
    const cross = b.op1('Mul', [b.op1('Mul', [windowSum(inner, hi, lo), x]), b.scalar((-2 * alpha * beta) / size)]);
    return [b.op1('Add', [direct, cross], {}, `${node.name}_grad`)];
  },
};

function softmaxAxis(c: { node: OnnxNode }, r: number) {
  return norm(intAttr(c.node, 'axis', -1), r);
}

const matMul: OperatorRule = {
  shape: (c) => {
    const a = c.shape(0);
    const w = c.shape(1);
    if (a.length < 2 || w.length < 2) c.fail('only MatMul of matrices (rank 2 or more) is supported');
    if (a[a.length - 1] !== w[w.length - 2]) c.fail(`shapes [${a}] and [${w}] do not multiply`);
    const batch = broadcastDims(a.slice(0, -2), w.slice(0, -2), `Node ${c.node.name}`);
    return [[...batch, a[a.length - 2], w[w.length - 1]]];
  },
  batch: (c) => {
    const a = c.shape(0);
    const w = c.shape(1);
    if (c.live(1) && w.length < 3) return 'its right operand is computed at run time and has no batch axis';
    if (c.live(0) && c.live(1) && a.length !== w.length) return 'its operands have different ranks';
    if (!c.live(0) && a.length > 2 && a[0] !== 1) return 'its left operand is a constant batch';
    if (!c.live(1) && w.length >= a.length && w.length > 2) return 'its right operand is a constant with a batch axis';
    return undefined;
  },
  backward: (c, [dy]) => {
    if (!dy) return [undefined, undefined];
    const { b } = c;
    const T = (v: string, r: number) => b.op1('Transpose', [v], { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
    const out = [undefined, undefined] as (string | undefined)[];
    if (c.wants(0)) {
      const w = c.constant(1);
      const wt =
        w && w.dims.length === 2 && w.data instanceof Float32Array
          ? b.floats(`${c.node.inputs[1]}_transposed`, transposed2d(w.data, w.dims[0], w.dims[1]), [w.dims[1], w.dims[0]])
          : T(c.x(1), c.inShape(1).length);
      out[0] = reduceTo(c, b.op1('MatMul', [dy, wt]), 0);
    }
    if (c.wants(1)) out[1] = reduceTo(c, b.op1('MatMul', [T(c.x(0), c.inShape(0).length), dy]), 1);
    return out;
  },
};

/** Sums a MatMul operand's gradient over the batch axes it was broadcast along. */
function reduceTo(c: GradContext, g: string, i: number): string {
  const target = c.inShape(i);
  const out = c.outShape();
  const lead = out.length - target.length;
  const axes: number[] = [];
  for (let k = 0; k < out.length - 2; k++) {
    if (k < lead) axes.push(k);
    else if (target[k - lead] === 1 && out[k] !== 1) axes.push(k);
  }
  if (!axes.length) return g;
  const r = c.b.op1('ReduceSum', [g, c.b.ints(axes)], { keepdims: 1 });
  return c.b.op1('Reshape', [r, c.b.ints(target)], {}, `${c.node.name}_grad_${i}`);
}

const transposedCache = new WeakMap<Float32Array, Float32Array>();
function transposed2d(w: Float32Array, rows: number, cols: number): Float32Array {
  let t = transposedCache.get(w);
  if (!t) {
    t = new Float32Array(w.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
    transposedCache.set(w, t);
  }
  return t;
}

const gemm: OperatorRule = {
  shape: (c) => {
    const a = c.shape(0);
    const w = c.shape(1);
    const ta = intAttr(c.node, 'transA', 0);
    const tb = intAttr(c.node, 'transB', 0);
    const m = ta ? a[1] : a[0];
    const k = ta ? a[0] : a[1];
    const n = tb ? w[0] : w[1];
    if (k !== (tb ? w[1] : w[0])) c.fail(`shapes [${a}] and [${w}] do not multiply`);
    return [[m, n]];
  },
  batch: (c) =>
    intAttr(c.node, 'transA', 0) ? 'it transposes its batch operand' : c.live(1) ? 'its right operand is computed at run time' : undefined,
  backward: (c, [dy]) => {
    if (!dy) return [undefined, undefined, undefined];
    const { b, node } = c;
    const alpha = floatAttr(node, 'alpha', 1);
    const beta = floatAttr(node, 'beta', 1);
    const tb = intAttr(node, 'transB', 0);
    // dA = alpha * dy . B'^T, with B' = B^T when transB: Gemm(dy, B) with transB flipped.
    const dA = c.wants(0) ? b.op1('Gemm', [dy, c.x(1)], { transB: tb ? 0 : 1, alpha: { float: alpha } }, `${node.name}_grad`) : undefined;
    const dC = c.wants(2) ? unbroadcast(c, beta === 1 ? dy : b.op1('Mul', [dy, b.scalar(beta)]), 2) : undefined;
    return [dA, undefined, dC];
  },
};

const binary = (backward: OperatorRule['backward']): OperatorRule => ({ shape: binaryShape, batch: broadcastBatch, backward });

const concat: OperatorRule = {
  shape: (c) => {
    const shapes = c.node.inputs.map((_, i) => c.shape(i));
    const axis = norm(intAttr(c.node, 'axis', 0), shapes[0].length);
    const out = [...shapes[0]];
    out[axis] = shapes.reduce((s, x) => s + x[axis], 0);
    return [out];
  },
  batch: (c) => {
    if (norm(intAttr(c.node, 'axis', 0), c.shape(0).length) === 0) return 'it concatenates along the batch axis';
    if (c.node.inputs.some((_, i) => !c.live(i))) return 'it concatenates a constant with values computed from the image';
    return undefined;
  },
  backward: (c, [dy]) => {
    if (!dy) return c.node.inputs.map(() => undefined);
    const axis = norm(intAttr(c.node, 'axis', 0), c.outShape().length);
    const sizes = c.node.inputs.map((_, i) => c.inShape(i)[axis]);
    const parts = c.b.op(
      'Split',
      [dy, c.b.ints(sizes)],
      { axis },
      c.node.inputs.map((v) => `${v}_grad_part`),
    );
    return parts.map((p, i) => (c.wants(i) ? p : undefined));
  },
};

const split: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const axis = norm(intAttr(c.node, 'axis', 0), s.length);
    const n = c.node.outputs.length;
    const sizes = c.has(1)
      ? numbersOf(c.requireConstant(1, 'split sizes'))
      : Array.from({ length: n }, (_, i) => Math.ceil(s[axis] / n) - (i === n - 1 ? Math.ceil(s[axis] / n) * n - s[axis] : 0));
    return sizes.map((k) => s.map((d, i) => (i === axis ? k : d)));
  },
  batch: (c) => (norm(intAttr(c.node, 'axis', 0), c.shape(0).length) === 0 ? 'it splits the batch axis' : undefined),
  backward: (c, dys) => {
    if (!c.wants(0) || dys.every((d) => !d)) return [undefined, undefined];
    const axis = norm(intAttr(c.node, 'axis', 0), c.inShape(0).length);
    const parts = dys.map((d, j) => d ?? zerosLike(c, c.y(j)));
    return [c.b.op1('Concat', parts, { axis }, `${c.node.name}_grad`), undefined];
  },
};

const zerosLike = (c: GradContext, v: string) => c.b.op1('Mul', [v, c.b.scalar(0)]);

/** Starts and ends of a Slice, clamped per ONNX, for every axis it names. */
function sliceBounds(node: OnnxNode, s: number[], get: (i: number) => ConstantTensor | undefined) {
  const starts = numbersOf(get(1)!);
  const ends = numbersOf(get(2)!);
  const axes = get(3) ? numbersOf(get(3)!).map((a) => norm(a, s.length)) : starts.map((_, i) => i);
  const steps = get(4) ? numbersOf(get(4)!) : starts.map(() => 1);
  return axes.map((axis, k) => {
    const dim = s[axis];
    const step = steps[k];
    if (step === 0) throw new EngineError('BAD_MODEL', `Node ${node.name} (Slice) has a step of 0.`, { node: node.name });
    const fix = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const start = step > 0 ? fix(starts[k], 0, dim) : fix(starts[k], -1, dim - 1);
    const end = step > 0 ? fix(ends[k], 0, dim) : fix(ends[k], -1, dim - 1);
    return { axis, start, end, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
}

const slice: OperatorRule = {
  shape: (c) => {
    for (let i = 1; i < 5; i++) if (c.has(i)) c.requireConstant(i, ['', 'starts', 'ends', 'axes', 'steps'][i]);
    const s = [...c.shape(0)];
    for (const a of sliceBounds(c.node, c.shape(0), (i) => (c.has(i) ? c.constant(i) : undefined))) s[a.axis] = a.count;
    return [s];
  },
  batch: (c) => {
    const bounds = sliceBounds(c.node, c.shape(0), (i) => (c.has(i) ? c.constant(i) : undefined));
    return bounds.some((a) => a.axis === 0 && !(a.start === 0 && a.step === 1 && a.count === 1)) ? 'it slices the batch axis' : undefined;
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const s = c.inShape(0);
    const bounds = sliceBounds(c.node, s, (i) => c.constant(i));
    if (bounds.some((a) => a.step !== 1)) c.fail('a Slice with a step other than 1 has no backward rule');
    const pads = new Array<number>(2 * s.length).fill(0);
    for (const a of bounds) {
      if (a.axis === 0) continue;
      pads[a.axis] = a.start;
      pads[a.axis + s.length] = s[a.axis] - a.end;
    }
    return [c.b.op1('Pad', [dy, c.b.ints(pads)], { mode: 'constant' }, `${c.node.name}_grad`)];
  },
};

const pad: OperatorRule = {
  shape: (c) => {
    if (stringAttr(c.node, 'mode', 'constant') !== 'constant') c.fail(`${stringAttr(c.node, 'mode', '')} padding has no backward rule`);
    const s = c.shape(0);
    const p = numbersOf(c.requireConstant(1, 'pads'));
    const axes = c.has(3) ? numbersOf(c.requireConstant(3, 'axes')).map((a) => norm(a, s.length)) : s.map((_, i) => i);
    if (c.has(2)) c.requireConstant(2, 'constant value');
    const out = [...s];
    axes.forEach((a, k) => (out[a] = s[a] + p[k] + p[k + axes.length]));
    return [out];
  },
  batch: (c) => {
    const s = c.shape(0);
    const p = numbersOf(c.constant(1)!);
    const axes = c.has(3) ? numbersOf(c.constant(3)!).map((a) => norm(a, s.length)) : s.map((_, i) => i);
    const k = axes.indexOf(0);
    return k >= 0 && (p[k] !== 0 || p[k + axes.length] !== 0) ? 'it pads the batch axis' : undefined;
  },
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const s = c.inShape(0);
    const p = numbersOf(c.constant(1)!);
    const axes = c.constant(3) ? numbersOf(c.constant(3)!).map((a) => norm(a, s.length)) : s.map((_, i) => i);
    // The adjoint of constant padding is cropping (and of cropping, zero padding): Pad by minus the pads.
    const full = new Array<number>(2 * s.length).fill(0);
    axes.forEach((a, k) => {
      full[a] = -p[k];
      full[a + s.length] = -p[k + axes.length];
    });
    return [c.b.op1('Pad', [dy, c.b.ints(full)], { mode: 'constant' }, `${c.node.name}_grad`)];
  },
};

const reshape: OperatorRule = {
  shape: (c) => [
    reshapeDims(c.shape(0), numbersOf(c.requireConstant(1, 'target shape')), intAttr(c.node, 'allowzero', 0) === 1, `Node ${c.node.name}`),
  ],
  batch: (c) => {
    const target = numbersOf(c.constant(1)!);
    const inShape = c.shape(0);
    const out = reshapeDims(inShape, target, intAttr(c.node, 'allowzero', 0) === 1, c.node.name);
    if (out[0] !== 1 || elementCount(out.slice(1)) !== elementCount(inShape.slice(1)))
      return `it reshapes [${inShape}] to [${out}], across the batch axis`;
    if (target[0] === 0 && intAttr(c.node, 'allowzero', 0) === 0) return undefined;
    // The exporter wrote the traced batch (1) into the target; 0 copies the batch instead.
    if (intAttr(c.node, 'allowzero', 0) === 1) {
      if (target.includes(-1)) return 'its target has a -1 and allowzero is set';
      c.replaceInput(1, intTensor([-1, ...out.slice(1)]));
    } else c.replaceInput(1, intTensor([0, ...target.slice(1)]));
    return undefined;
  },
  backward: passThrough,
};

const flatten: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const axis = norm(intAttr(c.node, 'axis', 1), s.length);
    return [[elementCount(s.slice(0, axis)), elementCount(s.slice(axis))]];
  },
  batch: (c) => (norm(intAttr(c.node, 'axis', 1), c.shape(0).length) === 0 ? 'it flattens the batch axis' : undefined),
  backward: passThrough,
};

const transpose: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const perm = intsAttr(c.node, 'perm', [...s.keys()].reverse());
    return [perm.map((p) => s[p])];
  },
  batch: (c) => (intsAttr(c.node, 'perm', [...c.shape(0).keys()].reverse())[0] !== 0 ? 'it moves the batch axis' : undefined),
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const perm = intsAttr(c.node, 'perm', [...c.inShape(0).keys()].reverse());
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [c.b.op1('Transpose', [dy], { perm: inverse }, `${c.node.name}_grad`)];
  },
};

const squeeze: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const axes = c.has(1)
      ? numbersOf(c.requireConstant(1, 'axes')).map((a) => norm(a, s.length))
      : s.flatMap((d, i) => (d === 1 ? [i] : []));
    return [s.filter((_, i) => !axes.includes(i))];
  },
  batch: (c) => {
    const s = c.shape(0);
    // "Every axis of size 1" squeezes the traced batch of 1 too.
    if (!c.has(1)) return 'it squeezes every axis of size 1, the batch axis included';
    return numbersOf(c.constant(1)!).some((a) => norm(a, s.length) === 0) ? 'it squeezes the batch axis' : undefined;
  },
  backward: passThrough,
};

const unsqueeze: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const ax = numbersOf(c.requireConstant(1, 'axes'));
    const r = s.length + ax.length;
    const set = new Set(ax.map((a) => norm(a, r)));
    const out: number[] = [];
    for (let i = 0, k = 0; i < r; i++) out.push(set.has(i) ? 1 : s[k++]);
    return [out];
  },
  batch: (c) => {
    const r = c.shape(0).length + numbersOf(c.constant(1)!).length;
    return numbersOf(c.constant(1)!).some((a) => norm(a, r) === 0) ? 'it inserts an axis before the batch' : undefined;
  },
  backward: passThrough,
};

const expand: OperatorRule = {
  shape: (c) => [broadcastDims(c.shape(0), numbersOf(c.requireConstant(1, 'shape')), `Node ${c.node.name}`)],
  batch: (c) =>
    numbersOf(c.constant(1)!).length !== c.shape(0).length
      ? 'it broadcasts to a higher rank'
      : numbersOf(c.constant(1)!)[0] > 1
        ? 'it expands the batch axis'
        : undefined,
  backward: (c, [dy]) => [dy && c.wants(0) ? unbroadcast(c, dy, 0) : undefined, undefined],
};

const gather: OperatorRule = {
  shape: (c) => {
    const s = c.shape(0);
    const idx = c.requireConstant(1, 'indices');
    const axis = norm(intAttr(c.node, 'axis', 0), s.length);
    return [[...s.slice(0, axis), ...idx.dims, ...s.slice(axis + 1)]];
  },
  batch: (c) => (norm(intAttr(c.node, 'axis', 0), c.shape(0).length) === 0 ? 'it gathers along the batch axis' : undefined),
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined, undefined];
    // Gather along an axis with constant indices is a matrix product with a one-hot [count, dim]
    // matrix, moved to the last axis; its adjoint is the product with the transpose.
    const { b, node } = c;
    const s = c.inShape(0);
    const r = s.length;
    const axis = norm(intAttr(node, 'axis', 0), r);
    const idx = c.constant(1)!;
    const indices = numbersOf(idx).map((i) => (i < 0 ? i + s[axis] : i));
    const dim = s[axis];
    const onehot = new Float32Array(indices.length * dim);
    indices.forEach((i, k) => (onehot[k * dim + i] = 1));
    // dy has idx.dims in place of the axis: flatten them to one axis of `count`.
    const flatShape = [0, ...s.slice(1, axis), indices.length, ...s.slice(axis + 1)].map((d, i) => (i === 0 ? 0 : d));
    const flat = b.op1('Reshape', [dy, b.ints(flatShape)]);
    const toLast = [...Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis), axis];
    const moved = b.op1('Transpose', [flat], { perm: toLast });
    const spread = b.op1('MatMul', [moved, b.floats(`${node.name}_onehot`, onehot, [indices.length, dim])]);
    const back = new Array<number>(r);
    toLast.forEach((p, i) => (back[p] = i));
    return [b.op1('Transpose', [spread], { perm: back }, `${node.name}_grad`), undefined];
  },
};

const identity: OperatorRule = { shape: same, backward: passThrough };

const cast: OperatorRule = {
  shape: (c) => {
    if (intAttr(c.node, 'to', 1) !== 1) c.fail('it casts a value computed from the image to a type other than float32');
    return [c.shape(0)];
  },
  backward: passThrough,
};

const softmax: OperatorRule = {
  shape: same,
  batch: (c) => (softmaxAxis(c, c.shape(0).length) === 0 ? 'it normalises over the batch axis' : undefined),
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b } = c;
    const axis = b.ints([softmaxAxis(c, c.inShape(0).length)]);
    const y = c.y();
    const dot = b.op1('ReduceSum', [b.op1('Mul', [dy, y]), axis], { keepdims: 1 });
    return [b.op1('Mul', [y, b.op1('Sub', [dy, dot])], {}, `${c.node.name}_grad`)];
  },
};

const logSoftmax: OperatorRule = {
  shape: same,
  batch: softmax.batch,
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined];
    const { b } = c;
    const axis = b.ints([softmaxAxis(c, c.inShape(0).length)]);
    const total = b.op1('ReduceSum', [dy, axis], { keepdims: 1 });
    return [b.op1('Sub', [dy, b.op1('Mul', [b.op1('Exp', [c.y()]), total])], {}, `${c.node.name}_grad`)];
  },
};

/** A scalar float attribute or constant input, for Clip's bounds and the like. */
const scalarOf = (c: { constant(i: number): ConstantTensor | undefined }, i: number) => {
  const t = c.constant(i);
  return t ? numbersOf(t)[0] : undefined;
};

const clip: OperatorRule = {
  shape: (c) => {
    for (const i of [1, 2]) if (c.has(i)) c.requireConstant(i, i === 1 ? 'min' : 'max');
    return [c.shape(0)];
  },
  // The gradient passes strictly inside (min, max), as PyTorch's hardtanh (ReLU6) backward does.
  backward: (c, [dy]) => {
    if (!dy || !c.wants(0)) return [undefined, undefined, undefined];
    const { b } = c;
    const x = c.x(0);
    const lo = c.node.inputs[1] ? scalarOf(c, 1) : undefined;
    const hi = c.node.inputs[2] ? scalarOf(c, 2) : undefined;
    let mask: string | undefined;
    if (lo !== undefined) mask = b.op1('Greater', [x, b.scalar(lo)]);
    if (hi !== undefined) {
      const below = b.op1('Less', [x, b.scalar(hi)]);
      mask = mask ? b.op1('And', [mask, below]) : below;
    }
    return [mask ? b.op1('Where', [mask, dy, b.scalar(0)], {}, `${c.node.name}_grad`) : dy, undefined, undefined];
  },
};

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The operator rules of imported models: ONE table, one entry per ONNX operator, as PyTorch's
 * derivatives.yaml and ONNX Runtime's gradient-builder registry keep theirs. Each entry gives
 *  - `shape`: the output shapes for batch 1, from the input shapes and constant inputs;
 *  - `batch` (optional): whether the node still means the same with a batch of B in axis 0, and
 *    how its constants change for that (PyTorch writes the traced batch of 1 into Reshape
 *    targets); a string says why it cannot, and the model then runs one item at a time;
 *  - `backward`: the vector-Jacobian product, written as ONNX ops on the forward values: given
 *    dL/d(output j) (undefined where no gradient reached it), dL/d(input i) for the inputs that
 *    need one (`wants`), undefined for the rest;
 *  - `forward` (optional): how the node is written into a gradient graph when that differs
 *    from the node itself (MaxPool also returns its indices there).
 * Shapes are NCHW as the exporter wrote them; the batch rides in axis 0 of every live value.
 * Every rule is tested alone against finite differences of ONNX Runtime's own forward pass
 * (test/server/engine/onnx-import/operator-rules.test.ts). An operator missing here is refused
 * by name, with the node that uses it.
 */
export const OPERATOR_RULES: Record<string, OperatorRule> = {
  // Elementwise activations: dx = dy * f'(x).
  Relu: pointwise((c, dy) => c.b.op1('Where', [c.b.op1('Greater', [c.y(), c.b.scalar(0)]), dy, c.b.scalar(0)], {}, `${c.node.name}_grad`)),
  LeakyRelu: pointwise((c, dy) =>
    c.b.op1(
      'Where',
      [c.b.op1('Greater', [c.x(0), c.b.scalar(0)]), dy, c.b.op1('Mul', [dy, c.b.scalar(floatAttr(c.node, 'alpha', 0.01))])],
      {},
      `${c.node.name}_grad`,
    ),
  ),
  Sigmoid: pointwise((c, dy) =>
    c.b.op1('Mul', [dy, c.b.op1('Mul', [c.y(), c.b.op1('Sub', [c.b.scalar(1), c.y()])])], {}, `${c.node.name}_grad`),
  ),
  Tanh: pointwise((c, dy) =>
    c.b.op1('Mul', [dy, c.b.op1('Sub', [c.b.scalar(1), c.b.op1('Mul', [c.y(), c.y()])])], {}, `${c.node.name}_grad`),
  ),
  HardSigmoid: pointwise((c, dy) => {
    const { b } = c;
    const alpha = floatAttr(c.node, 'alpha', 0.2);
    const beta = floatAttr(c.node, 'beta', 0.5);
    const t = b.op1('Add', [b.op1('Mul', [c.x(0), b.scalar(alpha)]), b.scalar(beta)]);
    const inside = b.op1('And', [b.op1('Greater', [t, b.scalar(0)]), b.op1('Less', [t, b.scalar(1)])]);
    return b.op1('Where', [inside, b.op1('Mul', [dy, b.scalar(alpha)]), b.scalar(0)], {}, `${c.node.name}_grad`);
  }),
  // x * relu6(x + 3) / 6: 0 below -3, x/3 + 1/2 up to 3, 1 above (PyTorch's hardswish_backward).
  HardSwish: pointwise((c, dy) => {
    const { b } = c;
    const x = c.x(0);
    const middle = b.op1('Mul', [dy, b.op1('Add', [b.op1('Mul', [x, b.scalar(1 / 3)]), b.scalar(0.5)])]);
    const upper = b.op1('Where', [b.op1('Greater', [x, b.scalar(3)]), dy, middle]);
    return b.op1('Where', [b.op1('Less', [x, b.scalar(-3)]), b.scalar(0), upper], {}, `${c.node.name}_grad`);
  }),
  // d erf(x) = 2/sqrt(pi) exp(-x^2): GELU as PyTorch exports it (Div, Erf, Add, Mul, Mul).
  Erf: pointwise((c, dy) => {
    const { b } = c;
    const x = c.x(0);
    const e = b.op1('Exp', [b.op1('Neg', [b.op1('Mul', [x, x])])]);
    return b.op1('Mul', [dy, b.op1('Mul', [e, b.scalar(2 / Math.sqrt(Math.PI))])], {}, `${c.node.name}_grad`);
  }),
  Gelu: pointwise((c, dy) => {
    const { b } = c;
    const x = c.x(0);
    if (stringAttr(c.node, 'approximate', 'none') === 'tanh') {
      // 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) u', u = sqrt(2/pi) (x + 0.044715 x^3).
      const x2 = b.op1('Mul', [x, x]);
      const u = b.op1('Mul', [b.op1('Add', [x, b.op1('Mul', [b.op1('Mul', [x2, x]), b.scalar(0.044715)])]), b.scalar(SQRT_2_OVER_PI)]);
      const t = b.op1('Tanh', [u]);
      const du = b.op1('Mul', [b.op1('Add', [b.scalar(1), b.op1('Mul', [x2, b.scalar(3 * 0.044715)])]), b.scalar(SQRT_2_OVER_PI)]);
      const left = b.op1('Mul', [b.op1('Add', [b.scalar(1), t]), b.scalar(0.5)]);
      const right = b.op1('Mul', [b.op1('Mul', [b.op1('Mul', [x, b.scalar(0.5)]), b.op1('Sub', [b.scalar(1), b.op1('Mul', [t, t])])]), du]);
      return b.op1('Mul', [dy, b.op1('Add', [left, right])], {}, `${c.node.name}_grad`);
    }
    // Phi(x) + x phi(x).
    const cdf = b.op1('Mul', [b.op1('Add', [b.scalar(1), b.op1('Erf', [b.op1('Mul', [x, b.scalar(Math.SQRT1_2)])])]), b.scalar(0.5)]);
    const pdf = b.op1('Mul', [b.op1('Exp', [b.op1('Mul', [b.op1('Mul', [x, x]), b.scalar(-0.5)])]), b.scalar(1 / Math.sqrt(2 * Math.PI))]);
    return b.op1('Mul', [dy, b.op1('Add', [cdf, b.op1('Mul', [x, pdf])])], {}, `${c.node.name}_grad`);
  }),
  Exp: pointwise((c, dy) => c.b.op1('Mul', [dy, c.y()], {}, `${c.node.name}_grad`)),
  Neg: pointwise((c, dy) => c.b.op1('Neg', [dy], {}, `${c.node.name}_grad`)),
  Reciprocal: pointwise((c, dy) => c.b.op1('Neg', [c.b.op1('Mul', [dy, c.b.op1('Mul', [c.y(), c.y()])])], {}, `${c.node.name}_grad`)),
  Sqrt: pointwise((c, dy) => c.b.op1('Div', [dy, c.b.op1('Mul', [c.y(), c.b.scalar(2)])], {}, `${c.node.name}_grad`)),
  Softplus: pointwise((c, dy) => c.b.op1('Mul', [dy, c.b.op1('Sigmoid', [c.x(0)])], {}, `${c.node.name}_grad`)),
  Elu: pointwise((c, dy) => {
    const { b } = c;
    const alpha = floatAttr(c.node, 'alpha', 1);
    // x <= 0: y + alpha.
    const neg = b.op1('Mul', [dy, b.op1('Add', [c.y(), b.scalar(alpha)])]);
    return b.op1('Where', [b.op1('Greater', [c.x(0), b.scalar(0)]), dy, neg], {}, `${c.node.name}_grad`);
  }),
  Clip: clip,
  Identity: identity,
  Cast: cast,
  Softmax: softmax,
  LogSoftmax: logSoftmax,

  // Broadcasting arithmetic: each live operand gets dy times its partial, summed over the axes it was broadcast along.
  Add: binary((c, [dy]) => (dy ? [0, 1].map((i) => (c.wants(i) ? unbroadcast(c, dy, i) : undefined)) : [undefined, undefined])),
  Sub: binary((c, [dy]) =>
    dy
      ? [c.wants(0) ? unbroadcast(c, dy, 0) : undefined, c.wants(1) ? unbroadcast(c, c.b.op1('Neg', [dy]), 1) : undefined]
      : [undefined, undefined],
  ),
  Mul: binary((c, [dy]) =>
    dy ? [0, 1].map((i) => (c.wants(i) ? unbroadcast(c, c.b.op1('Mul', [dy, c.x(1 - i)]), i) : undefined)) : [undefined, undefined],
  ),
  Div: binary((c, [dy]) => {
    if (!dy) return [undefined, undefined];
    const { b } = c;
    const da = c.wants(0) ? unbroadcast(c, b.op1('Div', [dy, c.x(1)]), 0) : undefined;
    // d(a/b)/db = -y / b.
    const db = c.wants(1) ? unbroadcast(c, b.op1('Neg', [b.op1('Div', [b.op1('Mul', [dy, c.y()]), c.x(1)])]), 1) : undefined;
    return [da, db];
  }),
  Pow: binary((c, [dy]) => {
    if (!dy) return [undefined, undefined];
    if (c.wants(1)) c.fail('its exponent is computed at run time');
    const e = c.constant(1);
    if (!e || elementCount(e.dims) !== 1) return c.fail('only a scalar constant exponent has a backward rule');
    const p = numbersOf(e)[0];
    const { b } = c;
    const x = c.x(0);
    const power = p === 2 ? x : p === 1 ? undefined : b.op1('Pow', [x, b.scalar(p - 1)]);
    const local = power ? b.op1('Mul', [power, b.scalar(p)]) : b.scalar(1);
    return [c.wants(0) ? unbroadcast(c, b.op1('Mul', [dy, local]), 0) : undefined, undefined];
  }),
  PRelu: binary((c, [dy]) => {
    if (!dy) return [undefined, undefined];
    if (c.wants(1)) c.fail('its slope is computed at run time');
    const { b } = c;
    const g = b.op1('Where', [b.op1('Greater', [c.x(0), b.scalar(0)]), dy, b.op1('Mul', [dy, c.x(1)])], {}, `${c.node.name}_grad`);
    return [c.wants(0) ? unbroadcast(c, g, 0) : undefined, undefined];
  }),
  Sum: {
    shape: (c) => [c.node.inputs.reduce<number[]>((s, _, i) => broadcastDims(s, c.shape(i), c.node.name), [])],
    batch: broadcastBatch,
    backward: (c, [dy]) => c.node.inputs.map((_, i) => (dy && c.wants(i) ? unbroadcast(c, dy, i) : undefined)),
  },

  // Convolution, pooling, normalisation.
  Conv: convRule(),
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  LRN: lrn,

  // Matrix products.
  MatMul: matMul,
  Gemm: gemm,

  // Reductions.
  ReduceMean: { shape: reduceShape, batch: reduceBatch, backward: reduceBackward(true) },
  ReduceSum: { shape: reduceShape, batch: reduceBatch, backward: reduceBackward(false) },

  // Moving values around.
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Gather: gather,
};

/** The rule for a node's operator, or BAD_MODEL naming the operator and the node. */
export function ruleFor(node: OnnxNode): OperatorRule {
  const rule = OPERATOR_RULES[node.op];
  if (!rule) {
    throw new EngineError(
      'BAD_MODEL',
      `Operator ${node.op} (node ${node.name}) has no rule in the importer's operator table, so the model cannot be differentiated through it. docs/models.md lists the operators covered.`,
      { node: node.name, op: node.op },
    );
  }
  return rule;
}
