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
  it('panel variation: the variance of the trapezoid error on integrands that jump once at a random place', () => {
    const C = 4000;
    const rand = mulberry32(7);
    const at = Float64Array.from({ length: C }, () => rand());
    const size = Float64Array.from({ length: C }, () => (rand() < 0.5 ? -1 : 1) * (0.5 + 1.5 * rand()));
    const step = (c: number, alpha: number) => (alpha > at[c] ? size[c] : 0);
    for (const [rule, n] of [
      ['SQUARED', 32],
      ['SQUARED', 64],
      ['SIDI', 31],
    ] as const) {
      const q = quadrature(rule, n);
      const rec = record(rule, n, step, C);
      const values = estimate(rec);
      const variation = panelVariation(rec, n, q.transformed!);
      let actual = 0,
        predicted = 0;
      for (let c = 0; c < C; c++) {
        actual += (values[c] - size[c] * (1 - at[c])) ** 2;
        predicted += variation[c];
      }
      // Mean squared error against the mean predicted variance: equal up to sampling noise (4000
      // channels), less the share that the smooth change of the weight factor phi'(t) adds to the
      // variation without adding error (measured: 6 % for SQUARED, 16 % for SIDI at 31 points).
      expect(actual / predicted).toBeGreaterThan(0.8);
      expect(actual / predicted).toBeLessThan(1.15);
    }
  });

  it('panel variation is zero for a constant transformed integrand, and the ends where it vanishes count', () => {
    // SIDI on f = 1 / alpha'(t) would be constant in t; a plain constant f is not, so only the
    // ends' zero and the weights decide the sum: compare with the formula written out.
    const q = quadrature('SQUARED', 8);
    const rec = record('SQUARED', 8, () => 1, 1);
    // g(t) = 2t: h g = 2 t / 8 at t = j / 8 (the end point's half weight undone); steps of 2 / 64 from g(0) = 0.
    expect(panelVariation(rec, 8, q.transformed!)[0]).toBeCloseTo((8 * (2 / 64) ** 2) / 12, 15);
    const sidi = quadrature('SIDI', 7);
    const sidiRec = record('SIDI', 7, () => 1, 1);
    const h = 1 / 8;
    const g = [0, ...Array.from({ length: 7 }, (_, j) => h * (1 - Math.cos(2 * Math.PI * (j + 1) * h))), 0];
    const expected = g.slice(1).reduce((s, v, i) => s + (v - g[i]) ** 2 / 12, 0);
    expect(panelVariation(sidiRec, 7, sidi.transformed!)[0]).toBeCloseTo(expected, 15);
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
