import { EngineError } from '../../../errors/engine-error.js';
import { subgraph, type Network } from '../../network/network.js';
import type { BackwardLowering } from '../../executors/onnx-compiler/backward-rules.js';
import { lowerForward } from '../../executors/onnx-compiler/forward-rules.js';
import { GraphBuilder } from '../../executors/onnx-compiler/graph-builder.js';
import { OnnxWeights } from '../../executors/onnx-compiler/weights.js';
import { preReluSources } from './pre-relu.js';
import { LrnRules } from './lrn-rules.js';
import { SiblingConvBackward } from './sibling-convs.js';
import { lowerInputBackward } from './stem-backward-rules.js';

const BATCH = 'B';

/**
 * The ONNX graph for feature visualization at one (layer, input size):
 *   image [B,S,S,3] (RGB 0..255), channel_weights [B,C]
 *   -> objective [B] = sum_c w[b,c] * mean_hw preRelu[b,c,h,w] (pre-relu.ts)
 *   -> activation [B] = the same on the layer itself (after its ReLUs)
 *   -> grad [B,S,S,3] = dObjective_b / dImage_b.
 * One-hot weights make each batch item one channel's visualization. `net` must already be at
 * size S (withInputSize), so SAME pads and map sizes are those of S.
 */
export function compileInputGradientGraph(net: Network, layer: string, weights = new OnnxWeights(net)): Uint8Array {
  const info = net.layers.find((x) => x.name === layer);
  if (!info) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
  const [h, w, c] = net.byName.get(layer)!.shape;
  if (!(h >= 1 && w >= 1))
    throw new EngineError('BAD_ARGUMENT', `${net.inputSize} px is too small an input for ${layer}.`, { layer, size: net.inputSize });
  const s = net.inputSize;
  const b = new GraphBuilder(`input_gradient_${layer}_${s}`);
  // First-max pool gradients (max-pool-grad.ts): the strided pools' from MaxPool's own indices,
  // the stride-1 pools' separable. ORT's MaxPool with indices runs a slow generic kernel, yet on
  // the stride-2 pools it beat the separable form's slices: -5..9% ORT CPU per step at batch
  // 10-20, 92 px, in four runs; no difference at batch 2-4. Indices on every pool was ~9% slower.
  const l: BackwardLowering = {
    b,
    net,
    w: weights,
    values: new Map(),
    poolIndices: new Map(),
    withIndices: false,
    convGrad: 'flipped-conv',
    poolGrad: 'separable',
  };
  const nodes = subgraph(net, 'input', layer);
  l.values.set('input', b.op1('Transpose', [b.input('image', [BATCH, s, s, 3])], { perm: [0, 3, 1, 2] }));
  const lrn = new LrnRules();
  for (const n of nodes) {
    if (n.op === 'LRN') lrn.forward(l, n);
    else {
      l.withIndices = n.op === 'MaxPool' && n.attrs.strides!.some((v) => v > 1);
      lowerForward(l, n);
      l.withIndices = false;
    }
  }

  const acts = l.values.get(layer)!;
  const channelWeights = b.input('channel_weights', [BATCH, c]);
  const weightedMean = (v: string, hint: string) =>
    b.op1(
      'ReduceSum',
      [b.op1('Mul', [b.op1('ReduceMean', [v, b.ints([2, 3])], { keepdims: 0 }), channelWeights]), b.ints([1])],
      { keepdims: 0 },
      hint,
    );
  const sources = preReluSources(net, layer);
  const preRelu =
    sources.length === 1
      ? l.values.get(sources[0])!
      : b.op1(
          'Concat',
          sources.map((n) => l.values.get(n)!),
          { axis: 1 },
        );
  b.output(weightedMean(preRelu, 'objective'), [BATCH]);
  b.output(weightedMean(acts, 'activation'), [BATCH]);

  // dObjective/dPreRelu: w[b,c] / (H*W) at every position, split back into the concat's inputs.
  const perPosition = b.op1('Mul', [b.op1('Unsqueeze', [channelWeights, b.ints([2, 3])]), b.scalar(1 / (h * w))]);
  const dPreRelu = b.op1('Expand', [perPosition, b.op1('Shape', [acts])], {}, `${layer}_dobjective`);
  const splits =
    sources.length === 1
      ? [dPreRelu]
      : b.op(
          'Split',
          [dPreRelu, b.ints(sources.map((n) => net.byName.get(n)!.shape[2]))],
          { axis: 1 },
          sources.map((n) => `${n}_dobjective`),
        );
  const pending = new Map<string, string[]>(sources.map((n, k) => [n, [splits[k]]]));
  const siblings = new SiblingConvBackward(nodes, (n) => weights.param(n).shape[0] === 1 && weights.param(n).shape[1] === 1);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    const parts = pending.get(node.name);
    const dy = !parts ? null : parts.length === 1 ? parts[0] : b.op1('Sum', parts, {}, `${node.name}_grad_sum`);
    const grads = siblings.take(l, node, dy) ?? (dy ? lowerInputBackward(l, node, dy, lrn) : []);
    for (const [input, g] of grads) {
      const list = pending.get(input);
      if (list) list.push(g);
      else pending.set(input, [g]);
    }
  }
  const parts = pending.get('input');
  if (!parts) throw new EngineError('MODEL_CORRUPT', `${layer} does not depend on the input image.`);
  const dInput = parts.length === 1 ? parts[0] : b.op1('Sum', parts);
  b.output(b.op1('Transpose', [dInput], { perm: [0, 2, 3, 1] }, 'grad'), [BATCH, s, s, 3]);
  return b.toBytes();
}
