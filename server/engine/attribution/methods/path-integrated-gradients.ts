import { quadrature } from '../quadrature.js';
import type { QuadratureRuleName } from '../types.js';
import type { AttributionPath } from './path.js';

/** The notebook's `channel_attr_path`: the straight line alpha * A, alpha from 0 to 1. */
export function pathIntegratedGradients({ steps, rule }: { steps: number; rule: QuadratureRuleName }): AttributionPath {
  const q = quadrature(rule, steps);
  return {
    name: 'PathIntegratedGradients',
    sampling: 'quadrature',
    quadrature: q,
    point: (k, acts, _c, out) => {
      const a = q.alphas[k];
      for (let i = 0; i < acts.length; i++) out[i] = acts[i] * a;
    },
    toString: () => `PathIntegratedGradients(steps=${steps}, rule=${rule})`,
  };
}
