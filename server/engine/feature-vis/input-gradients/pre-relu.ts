import type { Network } from '../../network/network.js';

/**
 * The nodes whose channels, concatenated, are `layer` before its ReLUs. A mixed layer is a concat
 * of ReLU outputs, and a channel that is 0 on the grey start image would pass no gradient, so the
 * optimization never starts; Lucid visualizes `mixed4a_pre_relu` for the same reason. For a layer
 * that is not (a concat of) ReLUs, the layer itself.
 */
export function preReluSources(net: Network, layer: string): string[] {
  const node = net.byName.get(layer);
  if (!node) return [layer];
  if (node.op === 'Relu') return [node.inputs[0]];
  if (node.op === 'ConcatV2' && node.inputs.every((i) => net.byName.get(i)?.op === 'Relu')) {
    return node.inputs.map((i) => net.byName.get(i)!.inputs[0]);
  }
  return [layer];
}
