import { nmf, type NmfInit } from './nmf.js';

/** The notebook's `n_groups` for dog/cat at mixed4d (Lucid, NeuronGroups.ipynb). */
export const DEFAULT_GROUPS = 6;

export interface NeuronGroupsRequest {
  /** K, the number of groups. */
  groups: number;
  seed: number;
  init?: NmfInit;
  maxIterations?: number;
  tolerance?: number;
}

/**
 * A layer's activations A (positions x channels, H*W x C) factored as A ~ S^T F with S, F >= 0:
 * group i is the rank-one activation pattern G_i = spatial_i (x) channels_i. Plain arrays, so
 * the result crosses worker and JSON boundaries as it is.
 */
export interface NeuronGroups {
  layer: string;
  height: number;
  width: number;
  channels: number;
  /** K spatial factors, each H*W weights in row-major order (the NMF's W, transposed). */
  spatial: number[][];
  /** K channel factors, each C weights (the NMF's H). */
  channelFactors: number[][];
  /** ||A - sum_i G_i||_F / ||A||_F. */
  reconstructionError: number;
  iterations: number;
  converged: boolean;
  seed: number;
  init: NmfInit;
}

/**
 * Lucid's `ChannelReducer(n_groups, "NMF")` on one image's activations (NHWC, H*W*C), then its
 * neuron_groups ordering: groups sorted by the column where their spatial factor peaks, so they
 * read left to right across the image (NeuronGroups.ipynb, `x_peak`).
 */
export function neuronGroups(
  acts: ArrayLike<number>,
  shape: { layer: string; height: number; width: number; channels: number },
  request: NeuronGroupsRequest,
): NeuronGroups {
  const { height, width, channels } = shape;
  const positions = height * width;
  const init = request.init ?? 'NNDSVDA';
  const f = nmf(acts, positions, channels, {
    components: request.groups,
    init,
    seed: request.seed,
    maxIterations: request.maxIterations,
    tolerance: request.tolerance,
  });
  const k = f.components;
  const spatial = Array.from({ length: k }, (_, t) => Array.from({ length: positions }, (_, p) => f.w[p * k + t]));
  const channelFactors = Array.from({ length: k }, (_, t) => Array.from(f.h.subarray(t * channels, (t + 1) * channels)));
  const peakColumn = spatial.map((s) => {
    let best = 0,
      column = 0;
    for (let p = 0; p < positions; p++) if (s[p] > best) [best, column] = [s[p], p % width];
    return column;
  });
  const order = spatial.map((_, i) => i).sort((a, b) => peakColumn[a] - peakColumn[b] || a - b);
  return {
    ...shape,
    spatial: order.map((i) => spatial[i]),
    channelFactors: order.map((i) => channelFactors[i]),
    reconstructionError: f.relativeError,
    iterations: f.iterations,
    converged: f.converged,
    seed: request.seed,
    init,
  };
}

/** The channels group i weighs most, heaviest first. */
export function topGroupChannels(groups: NeuronGroups, group: number, first: number): { channel: number; weight: number }[] {
  const w = groups.channelFactors[group];
  return Array.from(w.keys())
    .sort((a, b) => w[b] - w[a] || a - b)
    .slice(0, first)
    .map((channel) => ({ channel, weight: w[channel] }));
}
