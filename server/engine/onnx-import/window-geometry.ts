import { EngineError } from '../../errors/engine-error.js';
import { intAttr, intsAttr, stringAttr, type OnnxNode } from './onnx-graph.js';

/** The sliding-window attributes of a Conv or pool, per spatial axis, with auto_pad resolved to explicit pads. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Pads before each spatial axis, then after: ONNX's [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
  pads: number[];
  ceil: boolean;
  /** Output spatial size. */
  out: number[];
}

/**
 * Resolves a window node's geometry on a spatial input size `inSize` (ONNX semantics; auto_pad
 * SAME_UPPER puts the odd pad after, SAME_LOWER before). The node's `auto_pad` is rewritten to
 * the explicit pads it means, so the compiled graphs and the rules read one form.
 */
export function resolveWindow(n: OnnxNode, inSize: number[], kernel: number[]): Window {
  const rank = inSize.length;
  const strides = intsAttr(n, 'strides', new Array(rank).fill(1));
  const dilations = intsAttr(n, 'dilations', new Array(rank).fill(1));
  const ceil = intAttr(n, 'ceil_mode', 0) === 1;
  const autoPad = stringAttr(n, 'auto_pad', 'NOTSET');
  let pads = intsAttr(n, 'pads', new Array(2 * rank).fill(0));
  const span = kernel.map((k, i) => (k - 1) * dilations[i] + 1);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * rank).fill(0);
    for (let i = 0; i < rank; i++) {
      const out = Math.ceil(inSize[i] / strides[i]);
      const total = Math.max((out - 1) * strides[i] + span[i] - inSize[i], 0);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + rank] = total - pads[i];
    }
  } else if (autoPad === 'VALID') {
    pads = new Array(2 * rank).fill(0);
  } else if (autoPad !== 'NOTSET') {
    throw new EngineError('BAD_MODEL', `Node ${n.name} has auto_pad ${autoPad}, which ONNX does not define.`, { node: n.name });
  }
  if (autoPad !== 'NOTSET') {
    delete n.attrs.auto_pad;
    n.attrs.pads = { type: 'ints', value: pads };
  }
  const out = inSize.map((size, i) => {
    const room = size + pads[i] + pads[i + rank] - span[i];
    let o = (ceil ? Math.ceil(room / strides[i]) : Math.floor(room / strides[i])) + 1;
    // A last window that would start in the end padding is dropped (PyTorch's and ONNX Runtime's rule).
    if (ceil && (o - 1) * strides[i] >= size + pads[i]) o--;
    return o;
  });
  if (out.some((o) => o < 1)) {
    throw new EngineError(
      'BAD_MODEL',
      `Node ${n.name} (${n.op}): a ${kernel.join('x')} window does not fit its ${inSize.join('x')} input.`,
      {
        node: n.name,
      },
    );
  }
  return { kernel, strides, dilations, pads, ceil, out };
}

/**
 * The geometry of the adjoint (transposed) window op that maps an output-sized gradient back to
 * an `inSize` input: ConvTranspose pads and output_padding, plus zero padding still needed after
 * it where output_padding alone cannot reach the input size (windows that never touch the last
 * rows of a strided floor-mode op).
 */
export function transposedWindow(w: Window, inSize: number[]): { pads: number[]; outputPadding: number[]; padAfter: number[] } {
  const rank = inSize.length;
  const pads = [...w.pads];
  const outputPadding = new Array<number>(rank).fill(0);
  const padAfter = new Array<number>(rank).fill(0);
  for (let i = 0; i < rank; i++) {
    const natural = w.strides[i] * (w.out[i] - 1) + (w.kernel[i] - 1) * w.dilations[i] + 1 - w.pads[i] - w.pads[i + rank];
    if (natural > inSize[i]) pads[i + rank] += natural - inSize[i];
    else if (natural < inSize[i]) {
      const short = inSize[i] - natural;
      if (short < w.strides[i]) outputPadding[i] = short;
      else padAfter[i] = short;
    }
  }
  return { pads, outputPadding, padAfter };
}
