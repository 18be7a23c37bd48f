import { EngineError } from '../../errors/engine-error.js';
import type { QuadratureRuleName } from './types.js';

/** Points on the path alpha in [0, 1] and their weights; sum(weights) = 1 for every rule. */
export interface Quadrature {
  alphas: Float64Array;
  weights: Float64Array;
}

/** Every rule by name, as Captum's approximation_methods does. The notebook's is LEFT_RIEMANN. */
export const QUADRATURE_RULES: Record<QuadratureRuleName, (n: number) => Quadrature> = {
  /** alpha = k/N, k = 0..N-1, weight 1/N: exactly the notebook's loop. */
  LEFT_RIEMANN: (n) => ({
    alphas: Float64Array.from({ length: n }, (_, k) => k / n),
    weights: new Float64Array(n).fill(1 / n),
  }),
  TRAPEZOID: (n) => {
    if (n < 2) throw new EngineError('BAD_STEPS', 'The trapezoid rule needs at least 2 steps.');
    const w = new Float64Array(n).fill(1 / (n - 1));
    w[0] = w[n - 1] = 0.5 / (n - 1);
    return { alphas: Float64Array.from({ length: n }, (_, k) => k / (n - 1)), weights: w };
  },
  MIDPOINT: (n) => ({
    alphas: Float64Array.from({ length: n }, (_, k) => (k + 0.5) / n),
    weights: new Float64Array(n).fill(1 / n),
  }),
  GAUSS_LEGENDRE: gaussLegendre,
};

export const quadrature = (rule: QuadratureRuleName, n: number) => QUADRATURE_RULES[rule](n);

/** Gauss-Legendre nodes and weights mapped from [-1, 1] to [0, 1], by Newton's method on P_n. */
function gaussLegendre(n: number): Quadrature {
  if (n === 1) return { alphas: Float64Array.of(0.5), weights: Float64Array.of(1) };
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    // Nodes come out descending in x; store ascending in alpha.
    alphas[i] = (1 - x) / 2;
    alphas[n - 1 - i] = (1 + x) / 2;
    weights[i] = weights[n - 1 - i] = w / 2;
  }
  return { alphas, weights };
}

/**
 * The order in which path steps are evaluated: bit-reversed, so every chunk samples the whole
 * path and the rescaled running estimate is already a coarse integral, not its first stretch.
 */
export function interleavedOrder(n: number): number[] {
  const bits = Math.max(1, Math.ceil(Math.log2(n)));
  const out: number[] = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < n) out.push(r);
  }
  return out;
}
