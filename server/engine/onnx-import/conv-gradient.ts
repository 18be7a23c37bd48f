import type { ConstantTensor } from './constant-tensor.js';
import { intAttr, intsAttr } from './onnx-graph.js';
import type { GradContext } from './rule-context.js';
import { resolveWindow, transposedWindow } from './window-geometry.js';

const flipped = new WeakMap<Float32Array, Map<number, Float32Array>>();

/**
 * The filter of a stride-1 conv's input gradient written as a forward conv: each group's
 * [co/g, ci/g, kh, kw] block rotated 180 degrees in space with its channel axes swapped, so
 * [co, ci/g, kh, kw] becomes [ci, co/g, kh, kw] with the same group count. Memoised per weight
 * array: every graph compiled from one model shares the converted copy.
 */
export function flippedFilter(w: Float32Array, dims: number[], group: number): Float32Array {
  let byGroup = flipped.get(w);
  if (!byGroup) flipped.set(w, (byGroup = new Map()));
  const cached = byGroup.get(group);
  if (cached) return cached;
  const [co, cig, kh, kw] = dims;
  const cog = co / group;
  const out = new Float32Array(w.length);
  for (let g = 0; g < group; g++) {
    for (let o = 0; o < cog; o++) {
      for (let c = 0; c < cig; c++) {
        const src = ((g * cog + o) * cig + c) * kh * kw;
        const dst = ((g * cig + c) * cog + o) * kh * kw;
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) out[dst + (kh - 1 - i) * kw + (kw - 1 - j)] = w[src + i * kw + j];
      }
    }
  }
  byGroup.set(group, out);
  return out;
}

/**
 * dL/dx of a 2-D Conv. A stride-1 conv's input gradient is itself a stride-1 conv with the
 * flipped filter (ORT's fast forward kernels run it, as in the built-in compiler) whenever its
 * pads come out non-negative; any other conv (strided, or padded beyond its kernel) uses
 * ConvTranspose with the forward filter, the exact adjoint, with output_padding (and zero
 * padding after, for rows no window reads) restoring the input size.
 */
export function conv2dGradient(c: GradContext, dy: string, w: ConstantTensor): string {
  const { b, node } = c;
  const [, , H, W] = c.inShape(0);
  const data = w.data as Float32Array;
  const group = intAttr(node, 'group', 1);
  const kernel = intsAttr(node, 'kernel_shape', w.dims.slice(2));
  const win = resolveWindow(node, [H, W], kernel);
  const [kh, kw] = kernel;
  const [dh, dw] = win.dilations;
  const gradPads = [dh * (kh - 1) - win.pads[0], dw * (kw - 1) - win.pads[1], dh * (kh - 1) - win.pads[2], dw * (kw - 1) - win.pads[3]];
  if (win.strides.every((s) => s === 1) && gradPads.every((p) => p >= 0)) {
    const filter = b.floats(`${node.inputs[1]}_flipped`, flippedFilter(data, w.dims, group), [
      w.dims[1] * group,
      w.dims[0] / group,
      kh,
      kw,
    ]);
    return b.op1(
      'Conv',
      [dy, filter],
      { kernel_shape: kernel, strides: [1, 1], pads: gradPads, dilations: win.dilations, group },
      `${node.name}_grad`,
    );
  }
  const t = transposedWindow(win, [H, W]);
  let g = b.op1('ConvTranspose', [dy, c.x(1)], {
    kernel_shape: kernel,
    strides: win.strides,
    dilations: win.dilations,
    pads: t.pads,
    output_padding: t.outputPadding,
    group,
  });
  if (t.padAfter.some((p) => p > 0)) g = b.op1('Pad', [g, b.ints([0, 0, 0, 0, 0, 0, ...t.padAfter])]);
  return b.op1('Identity', [g], {}, `${node.name}_grad`);
}
