/**
 * How far the running estimate is from where it is going: per-channel error estimates, the
 * relative L2 error of the channel vector, and whether the top and bottom lists have settled.
 * All of it is computed from the per-step channel values the estimator keeps
 * (IntegrationState.stepValues), so it depends only on the steps done, never on the chunking.
 * docs/convergence.md explains the methods and gives their measured coverage.
 */

import type { Quadrature } from './quadrature.js';
import type { QuadratureRuleName } from './types.js';

/** The steps done so far, as the estimators see them (all arrays in evaluation order). */
export interface StepRecord {
  /** stepsDone x C: channel values sum_pos grad_k * A of each step, unweighted. */
  stepValues: Float64Array;
  channels: number;
  stepsDone: number;
  /** The rule's weight and alpha of each step, in evaluation order (at least stepsDone long). */
  weights: ArrayLike<number>;
  alphas: ArrayLike<number>;
  /** Sum of all the rule's weights: a prefix is rescaled to it. */
  totalWeight: number;
}

/**
 * How the nested difference (and, for the transformed trapezoid rules, the panel-to-panel
 * variation) becomes a per-channel standard error, per rule: `factor` scales it,
 * `differenceWeight` weighs the squared nested difference beside the variation (absent: the
 * difference alone), and no channel's error is below `floorShare` of the root mean square over
 * channels (a channel whose difference happens to cross zero would otherwise claim a bar of
 * nothing). Left Riemann was chosen on sampled integrands (16..256 steps on 5 images and layers,
 * against Gauss-Legendre 256) so that 2-sigma bars cover ~95 % of channels. SQUARED and SIDI were
 * fit by bench/error-calibration.ts on recorded per-point channel values of 36 cases that
 * bench/convergence.ts does not measure (10 images, all 9 layers; top-1 vs top-2, top-2 vs top-1,
 * top-3 vs top-1, top-1 vs logsumexp, top-1 alone), each against its own 256-point Gauss-Legendre
 * reference: among the constants whose every case's 2-sigma bars cover at least 80 % of its
 * channels where its tolerance-0.01 run stops (and whose settled runs are within 1.5 % there), the
 * ones that let the most runs stop within 48 steps (SIDI: 31). For SQUARED the estimated relative
 * error is then the actual one in the median (0.66 of it at the 10th percentile), and bars are
 * floored at 0.9 of the rms because a channel's own measures miss some of its error.
 * bench/convergence.ts checks them on its own cases and re-estimates its steps with other
 * constants. The other rules are not calibrated and get the left Riemann values, which overstate
 * their errors (their half prefixes are not their own rule).
 */
export interface ErrorCalibration {
  factor: number;
  floorShare: number;
  /** For rules with `Quadrature.transformed`: the weight of the squared nested difference beside the variation. */
  differenceWeight?: number;
}

export const NESTED_ERROR_CALIBRATION: Record<QuadratureRuleName, ErrorCalibration> = {
  LEFT_RIEMANN: { factor: 1, floorShare: 0.3 },
  SIDI: { factor: 0.5, floorShare: 0.9, differenceWeight: 0 },
  SQUARED: { factor: 0.45, floorShare: 0.9, differenceWeight: 0.25 },
  TRAPEZOID: { factor: 1, floorShare: 0.3 },
  MIDPOINT: { factor: 1, floorShare: 0.3 },
  GAUSS_LEGENDRE: { factor: 1, floorShare: 0.3 },
};

/**
 * Projections (neuron groups: sums over many channels and positions) were not part of that
 * calibration, and the channels' factors leave their bars short (bench/group-errors.ts): they get
 * Richardson's plain estimate, the nested difference with factor 1, with the channels' floor share.
 */
export const PROJECTION_ERROR_CALIBRATION = (rule: QuadratureRuleName): ErrorCalibration => ({
  factor: 1,
  floorShare: NESTED_ERROR_CALIBRATION[rule].floorShare,
});

/** The rescaled estimate from the first `p` steps: (W / sum w) * sum_k w_k v_k, summed in step order. */
export function prefixEstimate(rec: StepRecord, p: number): Float64Array {
  const { channels: C, stepValues, weights } = rec;
  const out = new Float64Array(C);
  let w = 0;
  for (let k = 0; k < p; k++) {
    const wk = weights[k];
    w += wk;
    const row = k * C;
    for (let c = 0; c < C; c++) out[c] += wk * stepValues[row + c];
  }
  const scale = w > 0 ? rec.totalWeight / w : 0;
  for (let c = 0; c < C; c++) out[c] *= scale;
  return out;
}

/** The largest nested level no greater than `limit`, or 0 when there is none. */
function levelAtMost(levels: readonly number[], limit: number): number {
  let best = 0;
  for (const l of levels) if (l <= limit) best = l;
  return best;
}

/**
 * Deterministic rules: the difference between the running estimate E_m and the nested estimate
 * E_p from its first p <= m/2 steps (for a 2^k-point rule, the 2^(k-1)-point one), turned into
 * the error of E_m under first-order convergence, |E_m - E_p| / (m/p - 1), the order these
 * kinked (ReLU) integrands show at the step counts used here (Richardson's estimate for order 1).
 * One difference per channel is a noisy measure of its error (it can cross zero by chance), so
 * the rules with `transformed` add a steadier one: the trapezoid rule on an integrand that jumps
 * by J somewhere inside a panel of width h errs by h J (u - 1/2), u uniform, a variance of
 * h^2 J^2 / 12; summed over the panels of the last complete level, with the jumps read from the
 * transformed integrand's change of slope from panel to panel (`panelVariation`). The sum of the two,
 * weighted and scaled, is calibrated per rule (NESTED_ERROR_CALIBRATION).
 */
export function nestedErrors(
  rec: StepRecord,
  quadrature: Pick<Quadrature, 'levels' | 'transformed'>,
  values: Float64Array,
  rule: QuadratureRuleName,
  calibration = NESTED_ERROR_CALIBRATION[rule],
): Float64Array {
  const { factor, floorShare, differenceWeight } = calibration;
  const { levels, transformed } = quadrature;
  const m = rec.stepsDone;
  const C = rec.channels;
  const errors = new Float64Array(C);
  const p = levelAtMost(levels, m / 2);
  if (p === 0) {
    // One point: nothing to compare with, so claim no accuracy at all.
    for (let c = 0; c < C; c++) errors[c] = Math.abs(values[c]);
    return errors;
  }
  const coarse = prefixEstimate(rec, p);
  const variation = transformed && differenceWeight !== undefined ? panelVariation(rec, levelAtMost(levels, m), transformed) : undefined;
  let sq = 0;
  for (let c = 0; c < C; c++) {
    const d = Math.abs(values[c] - coarse[c]) / (m / p - 1);
    errors[c] = variation ? Math.sqrt(variation[c] + differenceWeight! * d * d) : d;
    sq += errors[c] ** 2;
  }
  const floor = floorShare * Math.sqrt(sq / C);
  for (let c = 0; c < C; c++) errors[c] = factor * Math.max(errors[c], floor);
  return errors;
}

/**
 * Per channel, the variance of the trapezoid rule's error on the level made of the first `level`
 * steps, read from the transformed integrand g(t) = phi'(t) f(phi(t)) on the level's uniform grid
 * of spacing h in t. The rule integrates a linear g exactly, so what it errs on is a change of
 * slope: a jump J inside a panel errs by h J (u - 1/2), u uniform, a variance of h^2 J^2 / 12, and
 * shows as the second differences +J and -J at the panel's two ends. Hence the sum over the grid's
 * inner points of (h D2 g)^2 / 24, which gives h^2 J^2 / 12 for each such jump and zero for a linear
 * g (g(t) = 2t f(t^2) grows linearly wherever f is flat, and the first differences counted that as
 * error). A jump in a panel at either end of [0, 1] shows only one second difference, so the inner
 * point next to each end counts twice (the slope beyond the end taken as the one inside): such a
 * jump still gives h^2 J^2 / 12, and one in the panel next to it 1.5 times that. h g at a point is
 * its weight rescaled to the level times its channel value (twice that at an end point, which the
 * trapezoid rule weighs by half); g is zero where the change of variable makes it vanish
 * (`transformed`), without being evaluated.
 */
export function panelVariation(rec: StepRecord, level: number, transformed: NonNullable<Quadrature['transformed']>): Float64Array {
  const C = rec.channels;
  const out = new Float64Array(C);
  const byAlpha = Array.from({ length: level }, (_, k) => k).sort((a, b) => rec.alphas[a] - rec.alphas[b] || a - b);
  let w = 0;
  for (let k = 0; k < level; k++) w += rec.weights[k];
  const scale = w > 0 ? rec.totalWeight / w : 0;
  // h g at every grid point from t = 0 to t = 1, the ends where g vanishes included as zeros.
  const grid: Float64Array[] = [];
  if (transformed.zeroAtStart) grid.push(new Float64Array(C));
  for (const k of byAlpha) {
    const end = rec.alphas[k] === 0 || rec.alphas[k] === 1 ? 2 : 1;
    const hw = end * scale * rec.weights[k];
    grid.push(Float64Array.from({ length: C }, (_, c) => hw * rec.stepValues[k * C + c]));
  }
  if (transformed.zeroAtEnd) grid.push(new Float64Array(C));
  const n = grid.length;
  if (n === 2) {
    // One panel: no slope to compare with, so its whole change counts as a jump.
    for (let c = 0; c < C; c++) out[c] = (grid[1][c] - grid[0][c]) ** 2 / 12;
    return out;
  }
  for (let i = 1; i + 1 < n; i++) {
    const weight = (1 + (i === 1 ? 1 : 0) + (i === n - 2 ? 1 : 0)) / 24;
    const [before, at, after] = [grid[i - 1], grid[i], grid[i + 1]];
    for (let c = 0; c < C; c++) out[c] += weight * (after[c] - 2 * at[c] + before[c]) ** 2;
  }
  return out;
}

/**
 * The stochastic path: the standard error of the running estimate over seeds. Its alphas are a
 * deterministic grid, so the per-step contributions' plain variance would mix the integrand's
 * trend along the path into the noise. Instead the steps are paired with their neighbours in
 * alpha (stratification): within a pair the trend nearly cancels, and (v_a - v_b)^2 / 2 estimates
 * the variance at that point of the path. Var(E) = scale^2 * sum_pairs (w_a^2 + w_b^2) (v_a - v_b)^2 / 2.
 */
export function stratifiedStandardErrors(rec: StepRecord, values: Float64Array): Float64Array {
  const m = rec.stepsDone;
  const C = rec.channels;
  const errors = new Float64Array(C);
  if (m < 2) {
    for (let c = 0; c < C; c++) errors[c] = Math.abs(values[c]);
    return errors;
  }
  const byAlpha = Array.from({ length: m }, (_, k) => k).sort((a, b) => rec.alphas[a] - rec.alphas[b] || a - b);
  let wDone = 0;
  for (let k = 0; k < m; k++) wDone += rec.weights[k];
  const scale = rec.totalWeight / wDone;
  const variance = new Float64Array(C);
  let pairedWeight2 = 0;
  for (let i = 0; i + 1 < m; i += 2) {
    const a = byAlpha[i],
      b = byAlpha[i + 1];
    const w2 = rec.weights[a] ** 2 + rec.weights[b] ** 2;
    pairedWeight2 += w2;
    for (let c = 0; c < C; c++) variance[c] += (w2 * (rec.stepValues[a * C + c] - rec.stepValues[b * C + c]) ** 2) / 2;
  }
  // An odd step out: the pairs' variance per unit squared weight stands in for its own.
  const extra = m % 2 === 1 ? rec.weights[byAlpha[m - 1]] ** 2 / pairedWeight2 : 0;
  for (let c = 0; c < C; c++) errors[c] = scale * Math.sqrt(variance[c] * (1 + extra));
  return errors;
}

/** Estimated relative L2 error of the whole channel vector: ||errors|| / ||values||. */
export function relativeErrorOf(values: ArrayLike<number>, errors: ArrayLike<number>): number {
  let e = 0,
    v = 0;
  for (let c = 0; c < values.length; c++) {
    e += errors[c] ** 2;
    v += values[c] ** 2;
  }
  return v > 0 ? Math.sqrt(e / v) : e > 0 ? Infinity : 0;
}

/** Bars are 2 sigma: `errors` are one standard error each. */
export const BAR_SIGMAS = 2;

/**
 * Settled: within the 2-sigma bars, each of the top-K and bottom-K lists can lose at most one
 * member, the one at its boundary. Every other member's bar clears the bars of every channel
 * outside the list, so at least K - 1 of each list are certain. The boundary is allowed one
 * undecided place because two channels with nearly equal values (common among hundreds) would
 * otherwise hold a run to its last step for a swap nobody can act on.
 */
export function isSettled(values: ArrayLike<number>, errors: ArrayLike<number>, k: number): boolean {
  const n = values.length;
  // Exact values (SIMPLE, or a zero score) leave nothing to change, ties included.
  if (k >= n || Array.prototype.every.call(errors, (e: number) => e === 0)) return true;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const lo = (c: number) => values[c] - BAR_SIGMAS * errors[c];
  const hi = (c: number) => values[c] + BAR_SIGMAS * errors[c];
  const top = order.slice(0, k),
    rest = order.slice(k),
    bottom = order.slice(n - k),
    above = order.slice(0, n - k);
  const outsideTopMax = Math.max(...rest.map(hi));
  const outsideBottomMin = Math.min(...above.map(lo));
  const topUnsure = top.filter((c) => lo(c) <= outsideTopMax).length;
  const bottomUnsure = bottom.filter((c) => hi(c) >= outsideBottomMin).length;
  return topUnsure <= 1 && bottomUnsure <= 1;
}
