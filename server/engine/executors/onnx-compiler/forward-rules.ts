import { EngineError } from '../../../errors/engine-error.js';
import type { GraphNode, Network } from '../../network/network.js';
import type { GraphBuilder } from './graph-builder.js';
import type { OnnxWeights } from './weights.js';

/**
 * Per-op forward rules: each network node (TensorFlow semantics, NHWC) becomes ONNX ops on NCHW
 * values. NCHW is ORT's native conv layout; the graph transposes only at its boundaries.
 */
export interface Lowering {
  b: GraphBuilder;
  net: Network;
  w: OnnxWeights;
  /** Network node name -> ONNX value (NCHW for 4-D values). */
  values: Map<string, string>;
  /** Max-pool node name -> its Indices output, kept for the backward pass. */
  poolIndices: Map<string, string>;
  /** Emit MaxPool Indices (only gradient graphs need them). */
  withIndices: boolean;
}

/** TensorFlow's SAME padding for one spatial dimension: the extra goes after (bottom/right). */
export function samePads(inSize: number, k: number, s: number): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + k - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** ONNX `pads` [top, left, bottom, right] for a node's window on its input. */
export function windowPads(node: GraphNode, inShape: number[], k: [number, number]): number[] {
  if (node.attrs.padding === 'VALID') return [0, 0, 0, 0];
  const [sh, sw] = node.attrs.strides ?? [1, 1];
  const [t, bo] = samePads(inShape[0], k[0], sh);
  const [l, r] = samePads(inShape[1], k[1], sw);
  return [t, l, bo, r];
}

const shapeOf = (l: Lowering, name: string) => {
  const n = l.net.byName.get(name);
  if (!n) throw new EngineError('MODEL_CORRUPT', `The graph has no node ${name}.`);
  return n.shape;
};

export function lowerForward(l: Lowering, node: GraphNode): void {
  const { b, w } = l;
  const x = () => {
    const v = l.values.get(node.inputs[0]);
    if (!v) throw new EngineError('MODEL_CORRUPT', `Node ${node.name} reads ${node.inputs[0]}, which is not computed before it.`);
    return v;
  };
  const inShape = () => shapeOf(l, node.inputs[0]);
  let y: string;
  switch (node.op) {
    case 'Sub': {
      const m = w.floats(node);
      y = b.op1('Sub', [x(), b.floats(`${node.params[0]}_nchw`, m, [1, m.length, 1, 1])], {}, node.name);
      break;
    }
    case 'Pad': {
      const p = Array.from(w.param(node).data);
      // TF paddings [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] -> ONNX NCHW [n0,c0,h0,w0, n1,c1,h1,w1].
      y = b.op1('Pad', [x(), b.ints([p[0], p[6], p[2], p[4], p[1], p[7], p[3], p[5]])], { mode: 'constant' }, node.name);
      break;
    }
    case 'Conv2D': {
      const f = w.convOIHW(node);
      const k: [number, number] = [f.dims[2], f.dims[3]];
      y = b.op1(
        'Conv',
        [x(), b.floats(`${node.params[0]}_oihw`, f.data, f.dims)],
        {
          kernel_shape: k,
          strides: node.attrs.strides ?? [1, 1],
          pads: windowPads(node, inShape(), k),
        },
        node.name,
      );
      break;
    }
    case 'BiasAdd': {
      const bias = w.floats(node);
      const dims = node.shape.length === 3 ? [1, bias.length, 1, 1] : [1, bias.length];
      y = b.op1('Add', [x(), b.floats(node.params[0], bias, dims)], {}, node.name);
      break;
    }
    case 'Relu':
      y = b.op1('Relu', [x()], {}, node.name);
      break;
    case 'MaxPool': {
      const k = node.attrs.kernel!;
      const attrs = { kernel_shape: k, strides: node.attrs.strides!, pads: windowPads(node, inShape(), k), storage_order: 0 };
      if (l.withIndices) {
        // Indices: flat NCHW positions into the unpadded input, ties to the first maximum, as TensorFlow's CPU MaxPoolGrad.
        const [out, idx] = b.op('MaxPool', [x()], attrs, [node.name, `${node.name}_indices`]);
        l.poolIndices.set(node.name, idx);
        y = out;
      } else {
        y = b.op1('MaxPool', [x()], attrs, node.name);
      }
      break;
    }
    case 'AvgPool': {
      const k = node.attrs.kernel!;
      // count_include_pad=0 is TensorFlow's SAME average (padding left out of the mean).
      y = b.op1(
        'AveragePool',
        [x()],
        { kernel_shape: k, strides: node.attrs.strides!, pads: windowPads(node, inShape(), k), count_include_pad: 0 },
        node.name,
      );
      break;
    }
    case 'LRN': {
      // TF sums over 2r+1 channels and scales by alpha; ONNX scales by alpha/size.
      const size = 2 * node.attrs.depthRadius! + 1;
      y = b.op1(
        'LRN',
        [x()],
        { size, alpha: { float: node.attrs.alpha! * size }, beta: { float: node.attrs.beta! }, bias: { float: node.attrs.bias! } },
        node.name,
      );
      break;
    }
    case 'ConcatV2': {
      const ins = node.inputs.map((i) => {
        const v = l.values.get(i);
        if (!v) throw new EngineError('MODEL_CORRUPT', `Node ${node.name} reads ${i}, which is not computed before it.`);
        return v;
      });
      y = b.op1('Concat', ins, { axis: 1 }, node.name);
      break;
    }
    case 'Reshape': {
      const s = inShape();
      // NHWC flattening order: only a 1x1 map flattens the same in NCHW.
      const src = s.length === 3 && s[0] * s[1] !== 1 ? b.op1('Transpose', [x()], { perm: [0, 2, 3, 1] }) : x();
      y = b.op1('Flatten', [src], { axis: 1 }, node.name);
      break;
    }
    case 'MatMul': {
      const t = w.param(node);
      y = b.op1('MatMul', [x(), b.floats(node.params[0], t.data as Float32Array, t.shape)], {}, node.name);
      break;
    }
    case 'Softmax':
      y = b.op1('Softmax', [x()], { axis: -1 }, node.name);
      break;
    default:
      throw new EngineError('UNKNOWN_LAYER', `The ONNX compiler has no forward rule for op ${node.op} (node ${node.name}).`, {
        node: node.name,
        op: node.op,
      });
  }
  l.values.set(node.name, y);
}
