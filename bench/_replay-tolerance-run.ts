import {
  type ErrorCalibration,
  isSettled,
  nestedErrors,
  prefixEstimate,
  relativeErrorOf,
  type StepRecord,
} from '../server/engine/attribution/convergence-estimates.js';
import { quadrature } from '../server/engine/attribution/quadrature.js';
import type { QuadratureRuleName } from '../server/engine/attribution/types.js';
import { relativeL2 } from '../test/helpers/fixtures.js';

/** The indices of the k largest (sign 1) or smallest (sign -1) values. */
const ends = (v: ArrayLike<number>, k: number, sign: 1 | -1) =>
  new Set(
    Array.from(v, (x, i) => [x * sign, i])
      .sort((p, q) => q[0] - p[0])
      .slice(0, k)
      .map((p) => p[1]),
  );
/** How many of the reference's top (sign 1) or bottom (sign -1) k channels `values` has there too. */
export const sharedEnds = (values: ArrayLike<number>, ref: ArrayLike<number>, k: number, sign: 1 | -1) => {
  const s = ends(ref, k, sign);
  return [...ends(values, k, sign)].filter((c) => s.has(c)).length;
};

/**
 * Whether a 2-sigma bar covers the actual error. An error below a billionth of the reference's
 * root mean square counts as covered: it is rounding, not integration error (a score linear in
 * the layer's activations, such as the logits from mixed5b, is integrated exactly by every rule).
 */
export const covers = (value: number, error: number, ref: number, roundoff: number) =>
  Math.abs(value - ref) <= Math.max(2 * error, roundoff);
export const roundoffOf = (ref: ArrayLike<number>) => 1e-9 * Math.sqrt(Array.from(ref).reduce((s, v) => s + v * v, 0) / ref.length);

/**
 * A tolerance run redone from recorded steps (an n-point nested rule's per-step channel values in
 * its evaluation order), with the product's error estimate under `calibration`: it stops at the
 * first level from 3 steps whose estimated relative error is <= `tol` and whose top and bottom `k`
 * have settled, as a real run does (or at the last level, unsettled). Returns the stop: steps,
 * estimated and actual relative error against `ref`, whether its top and bottom `k` are the
 * reference's, and how many channels' 2-sigma bars cover their actual error; and the estimated
 * over actual relative error at every level whose actual error is 0.4 to 2 %, where stops are decided.
 */
export function replayToleranceRun(
  rule: QuadratureRuleName,
  n: number,
  stepValues: Float64Array,
  channels: number,
  ref: ArrayLike<number>,
  calibration: ErrorCalibration,
  tol: number,
  k: number,
) {
  const q = quadrature(rule, n);
  const weights = q.order.map((i) => q.weights[i]),
    alphas = q.order.map((i) => q.alphas[i]);
  const ratios: number[] = [];
  const roundoff = roundoffOf(ref);
  const levels = q.levels.filter((l) => l >= 3);
  let stop;
  // Every level, also after the stop: the ratios say how the estimate tracks the error.
  for (const level of levels) {
    const rec: StepRecord = { stepValues, channels, stepsDone: level, weights, alphas, totalWeight: 1 };
    const values = prefixEstimate(rec, level);
    const errors = nestedErrors(rec, q, values, rule, calibration);
    const estimated = relativeErrorOf(values, errors),
      actual = relativeL2(values, ref);
    if (actual >= 0.004 && actual <= 0.02) ratios.push(estimated / actual);
    const settled = estimated <= tol && isSettled(values, errors, k);
    if (!stop && (settled || level === levels.at(-1))) {
      let covered = 0;
      for (let c = 0; c < channels; c++) if (covers(values[c], errors[c], ref[c], roundoff)) covered++;
      const kept = sharedEnds(values, ref, k, 1) === k && sharedEnds(values, ref, k, -1) === k;
      stop = { steps: level, settled, values, errors, estimated, actual, kept, covered, channels, coverage: covered / channels };
    }
  }
  if (!stop) throw new Error(`${rule} with ${n} points has no level from 3 steps`);
  return { stop, ratios };
}
