import type { NeuronGroups } from './neuron-groups.js';

/**
 * Attribution to each group: sum over positions and channels of G_i * g, G_i = spatial_i (x)
 * channels_i, for a gradient-like field g at the layer (NHWC, H*W*C).
 *
 * - g = dScore/dA at A: Lucid's linear form (NeuronGroups.ipynb, `raw_class_group_attr`).
 * - g = the integrated gradient sum_k w_k dScore/dA(x_k) along the job's path: the path form.
 *   Channel attribution is A * g summed over space, so the groups add up to the channel total
 *   except for the share the factorization misses: |sum_i attr_i - sum_c attr_c| =
 *   |sum((A - sum_i G_i) * g)| <= ||A - sum_i G_i||_F ||g||_F (Cauchy-Schwarz).
 *
 * The rank-one structure makes it K * (H*W + C) work per position instead of forming G_i.
 */
export function groupAttribution(groups: NeuronGroups, g: ArrayLike<number>): number[] {
  const { channels } = groups;
  const positions = groups.height * groups.width;
  return groups.spatial.map((s, i) => {
    const f = groups.channelFactors[i];
    let total = 0;
    for (let p = 0; p < positions; p++) {
      if (s[p] === 0) continue;
      let dot = 0;
      const o = p * channels;
      for (let c = 0; c < channels; c++) dot += f[c] * g[o + c];
      total += s[p] * dot;
    }
    return total;
  });
}
