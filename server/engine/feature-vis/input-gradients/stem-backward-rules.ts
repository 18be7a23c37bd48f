import { EngineError } from '../../../errors/engine-error.js';
import type { GraphNode } from '../../network/network.js';
import { lowerBackward, type BackwardLowering } from '../../executors/onnx-compiler/backward-rules.js';
import { windowPads } from '../../executors/onnx-compiler/forward-rules.js';
import { maxPoolGrad } from '../../executors/onnx-compiler/max-pool-grad.js';
import type { LrnRules } from './lrn-rules.js';

/**
 * Backward rules for the ops below mixed3a, which attribution never differentiates: the mean
 * subtraction, the Pad, the stride-2 VALID 7x7 conv and the LRNs (lrn-rules.ts, which also
 * lowered their forward pass); and the max-pools lowered with indices, whatever their form in
 * `l`. Every other op goes to the attribution compiler's rules
 * (onnx-compiler/backward-rules.ts), so both share one ReLU, max-pool (first maximum) and
 * concat backward.
 */
export function lowerInputBackward(l: BackwardLowering, node: GraphNode, dy: string, lrn: LrnRules): [string, string][] {
  switch (node.op) {
    case 'Sub':
      return [[node.inputs[0], dy]];
    case 'Pad':
      return [[node.inputs[0], padBackward(l, node, dy)]];
    case 'LRN':
      return [[node.inputs[0], lrn.backward(l, node, dy)]];
    case 'MaxPool': {
      // A pool lowered with indices (input-gradient-graph.ts) routes its gradient by them.
      const indices = l.poolIndices.get(node.name);
      if (indices) return [[node.inputs[0], maxPoolGrad(l, node, l.values.get(node.inputs[0])!, dy, 'indices', indices)]];
      return lowerBackward(l, node, dy);
    }
    case 'Conv2D': {
      const [sh, sw] = node.attrs.strides ?? [1, 1];
      if (sh === 1 && sw === 1 && node.attrs.padding === 'SAME') return lowerBackward(l, node, dy);
      return [[node.inputs[0], stridedConvBackward(l, node, dy)]];
    }
    default:
      return lowerBackward(l, node, dy);
  }
}

/** The input-gradient of a Pad is the gradient with the padding sliced off. */
function padBackward(l: BackwardLowering, node: GraphNode, dy: string): string {
  const p = Array.from(l.w.param(node).data);
  if (p[0] || p[1] || p[6] || p[7])
    throw new EngineError('MODEL_CORRUPT', `Pad ${node.name} pads the batch or channels; only spatial padding has a backward rule.`);
  const [h, w] = l.net.byName.get(node.inputs[0])!.shape;
  const { b } = l;
  return b.op1('Slice', [dy, b.ints([p[2], p[4]]), b.ints([p[2] + h, p[4] + w]), b.ints([2, 3])], {}, `${node.name}_grad`);
}

/**
 * ConvTranspose with the forward filter is the exact adjoint of a strided conv. `output_padding`
 * restores the rows and columns a strided window never reached (they get zero gradient).
 */
function stridedConvBackward(l: BackwardLowering, node: GraphNode, dy: string): string {
  const { b, w } = l;
  const [sh, sw] = node.attrs.strides ?? [1, 1];
  const f = w.convOIHW(node);
  const k: [number, number] = [f.dims[2], f.dims[3]];
  const inShape = l.net.byName.get(node.inputs[0])!.shape;
  const [ho, wo] = node.shape;
  const pads = windowPads(node, inShape, k);
  const outputPadding = [inShape[0] - (sh * (ho - 1) + k[0] - pads[0] - pads[2]), inShape[1] - (sw * (wo - 1) + k[1] - pads[1] - pads[3])];
  if (outputPadding.some((v) => v < 0 || v >= Math.max(sh, sw))) {
    throw new EngineError('MODEL_CORRUPT', `Conv ${node.name}: no ConvTranspose reproduces its ${inShape[0]}x${inShape[1]} input.`);
  }
  return b.op1(
    'ConvTranspose',
    [dy, b.floats(`${node.params[0]}_oihw`, f.data, f.dims)],
    {
      kernel_shape: k,
      strides: [sh, sw],
      pads,
      output_padding: outputPadding,
    },
    `${node.name}_grad`,
  );
}
