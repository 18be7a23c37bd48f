import { EngineError } from '../../errors/engine-error.js';
import { elementCount, intTensor, numbersOf, type ConstantTensor, type DType } from './constant-tensor.js';
import { intAttr, intsAttr, type OnnxNode } from './onnx-graph.js';

/**
 * Evaluates, at import, the nodes whose inputs are all constants: the shape subgraphs PyTorch's
 * exporter writes even for static shapes (Shape, Gather, Cast, ConstantOfShape, Unsqueeze, int64
 * Concat, the arithmetic on them) and the Pad amounts computed at run time. What is left after
 * folding is the differentiable graph the operator rules cover. `Shape` itself is folded by the
 * shape pass, which knows every live tensor's shape.
 *
 * Each evaluator takes the constant inputs (undefined for an optional input left out) and
 * returns the outputs. Arithmetic on float32 rounds to float32, as ONNX Runtime would.
 */
type Evaluator = (n: OnnxNode, x: (ConstantTensor | undefined)[]) => ConstantTensor[];

const strides = (dims: number[]) => {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
};

const make = (dtype: DType, dims: number[], values: ArrayLike<number>): ConstantTensor =>
  dtype === 'float32' ? { dtype, dims, data: Float32Array.from(values) } : { dtype, dims, data: Array.from(values) };

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export function broadcastDims(a: number[], b: number[], where: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new EngineError('BAD_MODEL', `${where}: shapes [${a}] and [${b}] do not broadcast.`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Values of `t` broadcast to `dims`, in row-major order. */
function expandTo(t: ConstantTensor, dims: number[]): number[] {
  const n = elementCount(dims);
  const src = numbersOf(t);
  const rank = dims.length;
  const inDims = [...new Array(rank - t.dims.length).fill(1), ...t.dims];
  const inStrides = strides(inDims);
  const outStrides = strides(dims);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = 0;
    for (let d = 0; d < rank; d++) {
      const k = Math.floor(rest / outStrides[d]);
      rest -= k * outStrides[d];
      if (inDims[d] !== 1) at += k * inStrides[d];
    }
    out[i] = src[at];
  }
  return out;
}

const isFloat = (d: DType) => d === 'float32' || d === 'float64';

function binary(f: (a: number, b: number, dtype: DType) => number, boolOut = false): Evaluator {
  return (n, [a, b]) => {
    const dims = broadcastDims(a!.dims, b!.dims, `Node ${n.name} (${n.op})`);
    const xa = expandTo(a!, dims);
    const xb = expandTo(b!, dims);
    const out = xa.map((v, i) => f(v, xb[i], a!.dtype));
    return [make(boolOut ? 'bool' : a!.dtype, dims, out)];
  };
}

function unary(f: (a: number) => number): Evaluator {
  return (_n, [a]) => [make(a!.dtype, a!.dims, numbersOf(a!).map(f))];
}

const intDiv = (a: number, b: number, dtype: DType) => (isFloat(dtype) ? a / b : Math.trunc(a / b));

function slice(x: ConstantTensor, starts: number[], ends: number[], axes: number[], steps: number[]): ConstantTensor {
  const rank = x.dims.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const count = [...x.dims];
  axes.forEach((axisIn, k) => {
    const axis = normAxis(axisIn, rank);
    const dim = x.dims[axis];
    const s = steps[k] ?? 1;
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
    const st = s > 0 ? clampIdx(starts[k], 0, dim) : clampIdx(starts[k], -1, dim - 1);
    const en = s > 0 ? clampIdx(ends[k], 0, dim) : clampIdx(ends[k], -1, dim - 1);
    begin[axis] = st;
    step[axis] = s;
    count[axis] = Math.max(0, Math.ceil((en - st) / s));
  });
  const src = numbersOf(x);
  const inStrides = strides(x.dims);
  const outStrides = strides(count);
  const n = elementCount(count);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = 0;
    for (let d = 0; d < rank; d++) {
      const k = Math.floor(rest / outStrides[d]);
      rest -= k * outStrides[d];
      at += (begin[d] + k * step[d]) * inStrides[d];
    }
    out[i] = src[at];
  }
  return make(x.dtype, count, out);
}

export function transposeConstant(x: ConstantTensor, perm: number[]): ConstantTensor {
  const dims = perm.map((p) => x.dims[p]);
  const src = numbersOf(x);
  const inStrides = strides(x.dims);
  const outStrides = strides(dims);
  const out = new Array<number>(src.length);
  for (let i = 0; i < src.length; i++) {
    let rest = i;
    let at = 0;
    for (let d = 0; d < dims.length; d++) {
      const k = Math.floor(rest / outStrides[d]);
      rest -= k * outStrides[d];
      at += k * inStrides[perm[d]];
    }
    out[i] = src[at];
  }
  return make(x.dtype, dims, out);
}

/** The output dims of Reshape: 0 copies the input dim (allowzero 0), one -1 takes the rest. */
export function reshapeDims(inDims: number[], target: number[], allowZero: boolean, where: string): number[] {
  const out = target.map((t, i) => (t === 0 && !allowZero ? inDims[i] : t));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = elementCount(inDims);
  const free = out.filter((d) => d === -1).length;
  if (free > 1) throw new EngineError('BAD_MODEL', `${where}: more than one -1 in the target shape [${target}].`);
  if (free === 1) {
    if (known === 0 || total % known !== 0) throw new EngineError('BAD_MODEL', `${where}: cannot reshape [${inDims}] to [${target}].`);
    return out.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) throw new EngineError('BAD_MODEL', `${where}: cannot reshape [${inDims}] (${total} values) to [${target}].`);
  return out;
}

const CAST_TYPES: Record<number, DType> = {
  1: 'float32',
  11: 'float64',
  7: 'int64',
  6: 'int32',
  5: 'int16',
  3: 'int8',
  2: 'uint8',
  9: 'bool',
};

const EVALUATORS: Record<string, Evaluator> = {
  Identity: (_n, [x]) => [x!],
  Constant: (n) => {
    const a = n.attrs.value ?? n.attrs.value_float ?? n.attrs.value_floats ?? n.attrs.value_int ?? n.attrs.value_ints;
    if (!a) throw new EngineError('BAD_MODEL', `Constant node ${n.name} has no value this importer reads.`, { node: n.name });
    if (a.type === 'tensor') return [a.value];
    if (a.type === 'float') return [{ dtype: 'float32', dims: [], data: new Float32Array([a.value]) }];
    if (a.type === 'floats') return [{ dtype: 'float32', dims: [a.value.length], data: Float32Array.from(a.value) }];
    if (a.type === 'int') return [intTensor([a.value], [])];
    if (a.type === 'ints') return [intTensor(a.value)];
    throw new EngineError('BAD_MODEL', `Constant node ${n.name} holds a ${a.type}.`, { node: n.name });
  },
  Cast: (n, [x]) => {
    const to = CAST_TYPES[intAttr(n, 'to', 1)];
    if (!to) throw new EngineError('BAD_MODEL', `Node ${n.name} casts to an element type this importer does not fold.`, { node: n.name });
    const v = numbersOf(x!).map((a) => (isFloat(to) ? a : to === 'bool' ? (a ? 1 : 0) : Math.trunc(a)));
    return [make(to, x!.dims, v)];
  },
  ConstantOfShape: (n, [shape]) => {
    const dims = numbersOf(shape!);
    const v =
      n.attrs.value?.type === 'tensor' ? n.attrs.value.value : { dtype: 'float32' as DType, dims: [1], data: new Float32Array([0]) };
    return [make(v.dtype, dims, new Array(elementCount(dims)).fill(numbersOf(v)[0]))];
  },
  Unsqueeze: (_n, [x, axes]) => {
    const ax = numbersOf(axes!);
    const rank = x!.dims.length + ax.length;
    const set = new Set(ax.map((a) => normAxis(a, rank)));
    const dims: number[] = [];
    for (let i = 0, k = 0; i < rank; i++) dims.push(set.has(i) ? 1 : x!.dims[k++]);
    return [{ ...x!, dims }];
  },
  Squeeze: (_n, [x, axes]) => {
    const rank = x!.dims.length;
    const set = axes ? new Set(numbersOf(axes).map((a) => normAxis(a, rank))) : new Set(x!.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
    return [{ ...x!, dims: x!.dims.filter((_, i) => !set.has(i)) }];
  },
  Reshape: (n, [x, shape]) => [
    { ...x!, dims: reshapeDims(x!.dims, numbersOf(shape!), intAttr(n, 'allowzero', 0) === 1, `Node ${n.name}`) },
  ],
  Flatten: (n, [x]) => {
    const axis = normAxis(intAttr(n, 'axis', 1), x!.dims.length);
    return [{ ...x!, dims: [elementCount(x!.dims.slice(0, axis)), elementCount(x!.dims.slice(axis))] }];
  },
  Concat: (n, xs) => {
    const parts = xs.filter((x): x is ConstantTensor => !!x);
    const rank = parts[0].dims.length;
    const axis = normAxis(intAttr(n, 'axis', 0), rank);
    const dims = [...parts[0].dims];
    dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
    const outer = elementCount(dims.slice(0, axis));
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const inner = elementCount(p.dims.slice(axis));
        out.push(...numbersOf(p).slice(o * inner, (o + 1) * inner));
      }
    }
    return [make(parts[0].dtype, dims, out)];
  },
  Gather: (n, [x, idx]) => {
    const rank = x!.dims.length;
    const axis = normAxis(intAttr(n, 'axis', 0), rank);
    const indices = numbersOf(idx!).map((i) => (i < 0 ? i + x!.dims[axis] : i));
    const outer = elementCount(x!.dims.slice(0, axis));
    const inner = elementCount(x!.dims.slice(axis + 1));
    const src = numbersOf(x!);
    const out: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const i of indices) out.push(...src.slice((o * x!.dims[axis] + i) * inner, (o * x!.dims[axis] + i + 1) * inner));
    }
    return [make(x!.dtype, [...x!.dims.slice(0, axis), ...idx!.dims, ...x!.dims.slice(axis + 1)], out)];
  },
  Slice: (_n, [x, starts, ends, axes, steps]) => {
    const s = numbersOf(starts!);
    return [slice(x!, s, numbersOf(ends!), axes ? numbersOf(axes) : s.map((_, i) => i), steps ? numbersOf(steps) : s.map(() => 1))];
  },
  Transpose: (n, [x]) => [transposeConstant(x!, intsAttr(n, 'perm', [...x!.dims.keys()].reverse()))],
  Range: (_n, [start, limit, delta]) => {
    const [a, l, d] = [numbersOf(start!)[0], numbersOf(limit!)[0], numbersOf(delta!)[0]];
    const count = Math.max(Math.ceil((l - a) / d), 0);
    return [
      make(
        start!.dtype,
        [count],
        Array.from({ length: count }, (_, i) => a + i * d),
      ),
    ];
  },
  Expand: (n, [x, shape]) => {
    const dims = broadcastDims(x!.dims, numbersOf(shape!), `Node ${n.name} (Expand)`);
    return [make(x!.dtype, dims, expandTo(x!, dims))];
  },
  Where: (n, [c, a, b]) => {
    const dims = broadcastDims(broadcastDims(c!.dims, a!.dims, n.name), b!.dims, n.name);
    const cc = expandTo(c!, dims);
    const xa = expandTo(a!, dims);
    const xb = expandTo(b!, dims);
    return [
      make(
        a!.dtype,
        dims,
        cc.map((v, i) => (v ? xa[i] : xb[i])),
      ),
    ];
  },
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary(intDiv),
  Pow: binary((a, b) => a ** b),
  Mod: binary((a, b) => a - Math.floor(a / b) * b),
  Max: binary((a, b) => Math.max(a, b)),
  Min: binary((a, b) => Math.min(a, b)),
  Equal: binary((a, b) => (a === b ? 1 : 0), true),
  Less: binary((a, b) => (a < b ? 1 : 0), true),
  Greater: binary((a, b) => (a > b ? 1 : 0), true),
  And: binary((a, b) => (a && b ? 1 : 0), true),
  Or: binary((a, b) => (a || b ? 1 : 0), true),
  Not: (_n, [x]) => [
    make(
      'bool',
      x!.dims,
      numbersOf(x!).map((v) => (v ? 0 : 1)),
    ),
  ],
  Neg: unary((a) => -a),
  Abs: unary(Math.abs),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((a) => 1 / a),
  ReduceProd: (n, [x, axes]) => {
    if (axes && numbersOf(axes).length && !(x!.dims.length === 1)) {
      throw new EngineError('BAD_MODEL', `Node ${n.name}: ReduceProd over some axes of a constant is not folded.`, { node: n.name });
    }
    const v = numbersOf(x!).reduce((a, b) => a * b, 1);
    return [make(x!.dtype, intAttr(n, 'keepdims', 1) ? x!.dims.map(() => 1) : [], [v])];
  },
  Size: (_n, [x]) => [intTensor([elementCount(x!.dims)], [])],
  Shape: (n, [x]) => {
    const r = x!.dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    return [intTensor(x!.dims.slice(clamp(intAttr(n, 'start', 0)), n.attrs.end ? clamp(intAttr(n, 'end', r)) : r))];
  },
};

/** Folding evaluates these ops only; a node of another op whose inputs are all constants is refused by name. */
export const FOLDABLE_OPS = new Set(Object.keys(EVALUATORS));

/** Largest constant (in elements) arithmetic is folded on; weights pass through Identity/Reshape/Transpose whatever their size. */
const MAX_FOLD_ELEMENTS = 1 << 24;

export function foldNode(n: OnnxNode, inputs: (ConstantTensor | undefined)[]): ConstantTensor[] {
  const big = inputs.find((x) => x && elementCount(x.dims) > MAX_FOLD_ELEMENTS);
  if (big)
    throw new EngineError('BAD_MODEL', `Node ${n.name} (${n.op}) computes on a constant too large to fold at import.`, { node: n.name });
  let out = EVALUATORS[n.op](n, inputs);
  // Float32 arithmetic rounds like the runtime's.
  out = out.map((t) => (t.dtype === 'float32' && !(t.data instanceof Float32Array) ? { ...t, data: Float32Array.from(t.data) } : t));
  return out;
}
