import { quadrature } from '../quadrature.js';
import { streamFor } from '../../seeded-random.js';
import type { QuadratureRuleName } from '../types.js';
import type { AttributionPath } from './path.js';

/**
 * The notebook's `stochastic_path=True`: at every step each channel is scaled by
 * (U(0,1) + U(0,1)) / 1.5, so channels travel at different speeds. Seeded per step, so the same
 * seed gives the same numbers whatever the chunking.
 */
export function stochasticPath({ steps, rule, seed }: { steps: number; rule: QuadratureRuleName; seed: number }): AttributionPath {
  const q = quadrature(rule, steps);
  return {
    name: 'StochasticPath',
    sampling: 'monte-carlo',
    quadrature: q,
    point: (k, acts, channels, out) => {
      const rand = streamFor(seed, k);
      const scale = new Float32Array(channels);
      // Two draws of all channels, in the notebook's order: uniform([C]) + uniform([C]).
      for (let c = 0; c < channels; c++) scale[c] = rand();
      for (let c = 0; c < channels; c++) scale[c] = ((scale[c] + rand()) / 1.5) * q.alphas[k];
      for (let i = 0; i < acts.length; i++) out[i] = acts[i] * scale[i % channels];
    },
    toString: () => `StochasticPath(steps=${steps}, rule=${rule}, seed=${seed})`,
  };
}
