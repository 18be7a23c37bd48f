import { EngineError } from '../../errors/engine-error.js';
import type { QuadratureRuleName } from './types.js';

/** Points on the path alpha in [0, 1] and their weights; sum(weights) = 1 for every rule. */
export interface Quadrature {
  alphas: Float64Array;
  weights: Float64Array;
  /**
   * The order in which the points are evaluated (indices into `alphas`): coarse to fine, so every
   * prefix samples the whole path and its rescaled sum is already a coarse integral.
   */
  order: number[];
  /**
   * Prefix lengths of `order`, ascending and ending at n, whose points with their weights
   * rescaled to sum 1 form the same family's rule with fewer points (for LEFT_RIEMANN with
   * n = 2^k the 2^j-point sums, for SIDI with n = 2^k - 1 the (2^j - 1)-point rules). Error
   * estimates compare the running value with such a nested estimate; a tolerance run stops only
   * at a level.
   */
  levels: number[];
  /**
   * Set for the rules that are the trapezoid rule in a changed variable t (alpha = phi(t), on a
   * uniform grid in t): SIDI and SQUARED. Their error estimate reads how much each channel's
   * transformed integrand phi'(t) f(phi(t)) moves from one point to the next, which needs to
   * know where it is zero without being evaluated: at t = 0 for both, at t = 1 for SIDI.
   */
  transformed?: { zeroAtStart: boolean; zeroAtEnd: boolean };
}

/** The fewest points a rule takes (the trapezoid needs both ends); 1 for the others. */
export const MIN_POINTS: Partial<Record<QuadratureRuleName, number>> = { TRAPEZOID: 2 };

/** Rejects a point count below the rule's minimum (BAD_STEPS), before anything is queued or run. */
export function checkPointCount(rule: QuadratureRuleName, n: number) {
  if (n < (MIN_POINTS[rule] ?? 1))
    throw new EngineError('BAD_STEPS', `The ${rule.toLowerCase().replace(/_/g, ' ')} rule needs at least ${MIN_POINTS[rule]} steps.`);
}

/** Every rule by name, as Captum's approximation_methods does. The notebook's is LEFT_RIEMANN. */
export const QUADRATURE_RULES: Record<QuadratureRuleName, (n: number) => Quadrature> = {
  /** alpha = k/N, k = 0..N-1, weight 1/N: exactly the notebook's loop. */
  LEFT_RIEMANN: (n) =>
    onGrid(
      Float64Array.from({ length: n }, (_, k) => k / n),
      new Float64Array(n).fill(1 / n),
    ),
  TRAPEZOID: (n) => {
    checkPointCount('TRAPEZOID', n);
    const w = new Float64Array(n).fill(1 / (n - 1));
    w[0] = w[n - 1] = 0.5 / (n - 1);
    return onGrid(
      Float64Array.from({ length: n }, (_, k) => k / (n - 1)),
      w,
    );
  },
  MIDPOINT: (n) =>
    onGrid(
      Float64Array.from({ length: n }, (_, k) => (k + 0.5) / n),
      new Float64Array(n).fill(1 / n),
    ),
  GAUSS_LEGENDRE: (n) => {
    const { alphas, weights } = gaussLegendre(n);
    return onGrid(alphas, weights);
  },
  SIDI: sidi,
  SQUARED: squared,
};

/** A rule whose points are evaluated in bit-reversed index order; its levels are that order's dyadic prefixes. */
function onGrid(alphas: Float64Array, weights: Float64Array): Quadrature {
  const n = alphas.length;
  const order = n === 1 ? [0] : interleavedOrder(n);
  return { alphas, weights, order, levels: dyadicPrefixes(n, 0) };
}

/**
 * The lengths of the bit-reversed order's prefixes that hold exactly the grid indices divisible
 * by 2^s, for each s (offset: how many grid indices before the first point are left out).
 * For n = 2^k these are 1, 2, 4, ..., n: each a left Riemann sum with half the points.
 */
function dyadicPrefixes(n: number, offset: number): number[] {
  const grid = n + offset;
  const bits = Math.max(1, Math.ceil(Math.log2(grid)));
  const levels = new Set<number>();
  for (let s = bits; s >= 0; s--) {
    const count = Math.floor((grid - 1) / 2 ** s) + 1 - (offset > 0 ? 1 : 0);
    if (count >= 1) levels.add(count);
  }
  levels.add(n);
  return [...levels].sort((a, b) => a - b);
}

/**
 * The trapezoid rule after Sidi's sin^2 change of variable, alpha = t - sin(2 pi t) / (2 pi):
 * t_j = j / (N + 1), j = 1..N, weight (1 - cos(2 pi t_j)) / (N + 1). The transform crowds points
 * towards both ends of the path, where the integrand moves fastest, and makes the transformed
 * integrand f(alpha(t)) alpha'(t) vanish there with only even powers of t up to t^5, so the
 * trapezoid rule on it errs as h^6 for a smooth f (at kinks, as ReLU nets have, any rule slows
 * down to about first order). The end points get weight zero and are never evaluated. For N + 1 = 2^k the rule
 * nests: halving h keeps every point and its (1 - cos) factor, so the (2^j - 1)-point rules are
 * prefixes of the bit-reversed order, and no step of a tolerance run is wasted
 * (docs/convergence.md measures it against Clenshaw-Curtis and Gauss-Legendre).
 */
function sidi(n: number): Quadrature {
  const h = 1 / (n + 1);
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let j = 1; j <= n; j++) {
    const t = j * h;
    alphas[j - 1] = t - Math.sin(2 * Math.PI * t) / (2 * Math.PI);
    weights[j - 1] = h * (1 - Math.cos(2 * Math.PI * t));
  }
  // Grid index 0 (t = 0) carries no weight: drop it from the order.
  const order = interleavedOrder(n + 1)
    .filter((r) => r > 0)
    .map((r) => r - 1);
  return { alphas, weights, order, levels: dyadicPrefixes(n, 1), transformed: { zeroAtStart: true, zeroAtEnd: true } };
}

/**
 * The trapezoid rule after the change of variable alpha = t^2: t_j = j / N, j = 1..N, so
 * alpha_j = (j / N)^2, with weight 2 t_j / N (half that at t = 1, the real activations; the
 * baseline t = 0 has weight zero and is never evaluated). On ReLU networks the integrand changes
 * most near the baseline, where the units' biases still outweigh the scaled activations and flip
 * one after another; half of the path's roughness (squared change per unit of alpha) lies below
 * alpha = 0.05 and little above 0.5, while SIDI spends half of its points above 0.5. Spacing the
 * points as squares puts a fifth of them below 0.05 and 29 % above 0.5, and on the measured
 * integrands errs like SIDI with 1.5 times the points (docs/convergence.md). Halving the spacing in
 * t keeps every point and its weight factor, so the N/2, N/4, ... point rules are prefixes of the
 * bit-reversed order, as for SIDI.
 */
function squared(n: number): Quadrature {
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let j = 1; j <= n; j++) {
    const t = j / n;
    alphas[j - 1] = t * t;
    weights[j - 1] = ((j === n ? 1 : 2) * t) / n;
  }
  // Grid index 0 (t = 0) carries no weight: drop it from the order, as for SIDI.
  const order = interleavedOrder(n + 1)
    .filter((r) => r > 0)
    .map((r) => r - 1);
  // A prefix is the rule itself only when its spacing 2^s / n in t reaches t = 1: n / level a power of 2.
  const levels = dyadicPrefixes(n, 1).filter((l) => Number.isInteger(Math.log2(n / l)));
  return { alphas, weights, order, levels, transformed: { zeroAtStart: true, zeroAtEnd: false } };
}

/**
 * The largest point count no greater than `steps` at which `rule` nests completely: 2^k - 1 for
 * SIDI, 3 * 2^k for SQUARED (levels 3, 6, 12, 24, 48, 96, ...: two of them below 50, where a
 * ladder of powers of two jumps from 32 to 64), 2^k for the others.
 */
export function nestedSize(rule: QuadratureRuleName, steps: number): number {
  if (rule === 'SIDI') return 2 ** Math.floor(Math.log2(steps + 1)) - 1;
  if (rule === 'SQUARED') return steps < 3 ? steps : 3 * 2 ** Math.floor(Math.log2(steps / 3));
  return 2 ** Math.floor(Math.log2(steps));
}

export const quadrature = (rule: QuadratureRuleName, n: number) => QUADRATURE_RULES[rule](n);

/** Gauss-Legendre nodes and weights mapped from [-1, 1] to [0, 1], by Newton's method on P_n. */
export function gaussLegendre(n: number): { alphas: Float64Array; weights: Float64Array } {
  if (n === 1) return { alphas: Float64Array.of(0.5), weights: Float64Array.of(1) };
  const alphas = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1,
        p1 = x;
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
