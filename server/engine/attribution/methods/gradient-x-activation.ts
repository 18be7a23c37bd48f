import type { AttributionPath } from './path.js';

/** The notebook's `channel_attr_simple`: one gradient at A, times A. */
export function gradientXActivation(): AttributionPath {
  return {
    name: 'GradientXActivation',
    sampling: 'exact',
    quadrature: { alphas: Float64Array.of(1), weights: Float64Array.of(1), order: [0], levels: [1] },
    point: (_k, acts, _c, out) => out.set(acts),
    toString: () => 'GradientXActivation()',
  };
}
