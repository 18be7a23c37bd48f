import { describe, expect, it } from 'vitest';
import { nestedErrors, panelVariation, type StepRecord } from '../../../../server/engine/attribution/convergence-estimates.js';
import { quadrature } from '../../../../server/engine/attribution/quadrature.js';
import type { QuadratureRuleName } from '../../../../server/engine/attribution/types.js';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';

/** C synthetic channels f_c(alpha) evaluated at the rule's points in its evaluation order, as the estimator records them. */
function record(rule: QuadratureRuleName, n: number, f: (c: number, alpha: number) => number, C: number): StepRecord {
  const q = quadrature(rule, n);
  const stepValues = new Float64Array(n * C);
  q.order.forEach((k, step) => {
    for (let c = 0; c < C; c++) stepValues[step * C + c] = f(c, q.alphas[k]);
  });
  return {
    stepValues,
    channels: C,
    stepsDone: n,
    weights: q.order.map((k) => q.weights[k]),
    alphas: q.order.map((k) => q.alphas[k]),
    totalWeight: 1,
  };
}

/** The inverse of SIDI's alpha = t - sin(2 pi t) / (2 pi), by bisection. */
function tOfSidi(alpha: number) {
  let lo = 0,
    hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mid - Math.sin(2 * Math.PI * mid) / (2 * Math.PI) < alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const estimate = (rec: StepRecord) => {
  const out = new Float64Array(rec.channels);
  for (let k = 0; k < rec.stepsDone; k++)
    for (let c = 0; c < rec.channels; c++) out[c] += rec.weights[k] * rec.stepValues[k * rec.channels + c];
  return out;
};

describe('convergence estimates', () => {
  // The model behind the panel variation: a ReLU integrand is piecewise constant, and the
  // trapezoid rule errs on a panel of width h holding a jump of the transformed integrand by
  // h J (u - 1/2), u uniform, a variance of h^2 J^2 / 12. Exact integrals of steps at random places are the oracle.
  // The model behind the panel variation: a ReLU integrand is piecewise constant, and the
  // trapezoid rule errs on a panel of width h holding a jump of the transformed integrand by
  // h J (u - 1/2), u uniform, a variance of h^2 J^2 / 12, while it integrates a linear trend of the
  // transformed integrand exactly. Exact integrals of steps at random places, on top of such
  // trends, are the oracle.
  it('panel variation: the variance of the trapezoid error on integrands that jump once at a random place, trends or not', () => {
    const C = 4000;
    const rand = mulberry32(7);
    const at = Float64Array.from({ length: C }, () => rand());
    const size = Float64Array.from({ length: C }, () => (rand() < 0.5 ? -1 : 1) * (0.5 + 1.5 * rand()));
    // For SQUARED, g(t) = 2t f(t^2): a constant f is a linear g, here up to 20 times the jump.
    const level = Float64Array.from({ length: C }, () => 40 * (rand() - 0.5));
    const step = (c: number, alpha: number) => (alpha > at[c] ? size[c] : 0);
    for (const [rule, n, trend] of [
      ['SQUARED', 32, false],
      ['SQUARED', 32, true],
      ['SQUARED', 64, true],
      ['SIDI', 31, false],
    ] as const) {
      const q = quadrature(rule, n);
      const f = (c: number, alpha: number) => step(c, alpha) + (trend ? level[c] : 0);
      const rec = record(rule, n, f, C);
      const values = estimate(rec);
      const variation = panelVariation(rec, n, q.transformed!);
      let actual = 0,
        predicted = 0;
      for (let c = 0; c < C; c++) {
        actual += (values[c] - size[c] * (1 - at[c]) - (trend ? level[c] : 0)) ** 2;
        predicted += variation[c];
      }
      // Mean squared error against the mean predicted variance: equal up to sampling noise (4000
      // channels) and the jumps in the panel next to an end, which count 1.5 times.
      expect(actual / predicted).toBeGreaterThan(0.85);
      expect(actual / predicted).toBeLessThan(1.15);
    }
  });

  it('panel variation: zero for a linear transformed integrand; a single jump of it gives h^2 J^2 / 12, in the middle and in an end panel', () => {
    // SQUARED on a constant f: g(t) = 2t, linear from g(0) = 0 (the end point's half weight undone).
    const q = quadrature('SQUARED', 8);
    expect(
      panelVariation(
        record('SQUARED', 8, () => 3, 1),
        8,
        q.transformed!,
      )[0],
    ).toBeLessThan(1e-30);
    // g(t) = J for t > t0, 0 before: f(alpha) = g(sqrt(alpha)) / (2 sqrt(alpha)). h = 1/8.
    const J = 1.7,
      h = 1 / 8;
    for (const t0 of [0.05, 3.4 / 8, 7.5 / 8]) {
      const rec = record('SQUARED', 8, (_, alpha) => (Math.sqrt(alpha) > t0 ? J / (2 * Math.sqrt(alpha)) : 0), 1);
      expect(panelVariation(rec, 8, q.transformed!)[0]).toBeCloseTo((h * h * J * J) / 12, 14);
    }
    // SIDI vanishes at both ends: a g that is zero, then J, then zero again is two jumps (in
    // panels 2 and 5 of 8: apart, as jumps next to each other would read in part as a trend).
    const sidi = quadrature('SIDI', 7);
    const sidiRec = record('SIDI', 7, (_, alpha) => (alpha > 0.2 && alpha < 0.8 ? J / (1 - Math.cos(2 * Math.PI * tOfSidi(alpha))) : 0), 1);
    expect(panelVariation(sidiRec, 7, sidi.transformed!)[0]).toBeCloseTo((2 * h * h * J * J) / 12, 14);
  });

  it('nested errors: a level of a transformed rule combines the panel variation with the nested difference; one point claims no accuracy', () => {
    const C = 50;
    const rand = mulberry32(3);
    const at = Float64Array.from({ length: C }, () => rand());
    const rec = record('SQUARED', 16, (c, a) => (a > at[c] ? 1 : 0.2) + a, C);
    const q = quadrature('SQUARED', 16);
    const values = estimate(rec);
    const calibration = { factor: 1, floorShare: 0, differenceWeight: 1 };
    const errors = nestedErrors(rec, q, values, 'SQUARED', calibration);
    const coarse = estimate({ ...rec, stepsDone: 8, weights: Array.from(rec.weights, (w) => w * 2) });
    const variation = panelVariation(rec, 16, q.transformed!);
    for (let c = 0; c < C; c++) expect(errors[c]).toBeCloseTo(Math.sqrt(variation[c] + (values[c] - coarse[c]) ** 2), 12);
    const one = { ...rec, stepsDone: 1 };
    expect(Array.from(nestedErrors(one, q, values, 'SQUARED'))).toEqual(Array.from(values, Math.abs));
  });
});
