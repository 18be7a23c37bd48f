import { describe, expect, it } from 'vitest';
import { interleavedOrder, nestedSize, quadrature, QUADRATURE_RULES } from '../../../../server/engine/attribution/quadrature.js';
import type { QuadratureRuleName } from '../../../../server/engine/attribution/types.js';

const integrate = (rule: QuadratureRuleName, n: number, f: (x: number) => number) => {
  const q = quadrature(rule, n);
  return q.alphas.reduce((s, a, i) => s + q.weights[i] * f(a), 0);
};

describe('quadrature rules', () => {
  it('LEFT_RIEMANN is exactly the notebook loop: alpha = k/N, weight 1/N', () => {
    const q = quadrature('LEFT_RIEMANN', 100);
    for (let k = 0; k < 100; k++) {
      expect(q.alphas[k]).toBe(k / 100);
      expect(q.weights[k]).toBe(1 / 100);
    }
  });

  it('every rule has weights summing to 1 and alphas in [0, 1]', () => {
    for (const rule of Object.keys(QUADRATURE_RULES) as QuadratureRuleName[]) {
      for (const n of [2, 7, 32, 100, 2000]) {
        const q = quadrature(rule, n);
        expect(q.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        expect(q.alphas.every((a) => a >= 0 && a <= 1)).toBe(true);
      }
    }
  });

  it('Gauss-Legendre with n points integrates degree 2n-1 polynomials exactly; others converge at their known orders', () => {
    for (const n of [1, 2, 5, 16]) {
      const deg = 2 * n - 1;
      expect(integrate('GAUSS_LEGENDRE', n, (x) => x ** deg)).toBeCloseTo(1 / (deg + 1), 12);
    }
    const f = Math.exp,
      exact = Math.E - 1;
    const e = (r: QuadratureRuleName, n: number) => Math.abs(integrate(r, n, f) - exact);
    expect(e('LEFT_RIEMANN', 20) / e('LEFT_RIEMANN', 40)).toBeCloseTo(2, 0);
    expect(e('MIDPOINT', 20) / e('MIDPOINT', 40)).toBeCloseTo(4, 0);
    expect(e('TRAPEZOID', 21) / e('TRAPEZOID', 41)).toBeCloseTo(4, 0);
  });

  it('interleaved order is a permutation that spreads the first steps over the path', () => {
    for (const n of [1, 3, 100, 128, 2000]) {
      const o = interleavedOrder(n);
      expect([...o].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const first10 = interleavedOrder(100).slice(0, 10);
    expect(Math.max(...first10) - Math.min(...first10)).toBeGreaterThan(60);
  });

  it('SQUARED, SIDI and LEFT_RIEMANN nest: each level of the order, rescaled, is the smaller rule itself', () => {
    for (const [rule, n, smaller] of [
      ['SQUARED', 96, [3, 6, 12, 24, 48]],
      ['SQUARED', 64, [1, 2, 4, 8, 16, 32]],
      ['SIDI', 63, [1, 3, 7, 15, 31]],
      ['LEFT_RIEMANN', 64, [1, 2, 4, 8, 16, 32]],
    ] as const) {
      const q = quadrature(rule, n);
      expect(q.levels).toEqual([...smaller, n]);
      for (const m of smaller) {
        const small = quadrature(rule, m);
        const prefix = q.order.slice(0, m);
        const w = prefix.reduce((s, k) => s + q.weights[k], 0);
        const pairs = prefix.map((k) => [q.alphas[k], q.weights[k] / w]).sort((a, b) => a[0] - b[0]);
        pairs.forEach(([a, wk], i) => {
          expect(a).toBeCloseTo(small.alphas[i], 14);
          expect(wk).toBeCloseTo(small.weights[i], 14);
        });
      }
    }
    expect(nestedSize('SIDI', 256)).toBe(255);
    expect(nestedSize('SIDI', 255)).toBe(255);
    expect(nestedSize('LEFT_RIEMANN', 100)).toBe(64);
    expect(nestedSize('SQUARED', 100)).toBe(96);
    expect(nestedSize('SQUARED', 256)).toBe(192);
    expect(nestedSize('SQUARED', 2)).toBe(2);
    // Without a tolerance any count runs; its levels are the prefixes that reach the real activations.
    expect(quadrature('SQUARED', 100).levels).toEqual([25, 50, 100]);
  });

  it('SQUARED: points at (j/N)^2 ending at the real activations, more of them near the baseline than SIDI, second order on a smooth integrand', () => {
    const q = quadrature('SQUARED', 64);
    q.alphas.forEach((a, i) => expect(a).toBeCloseTo(((i + 1) / 64) ** 2, 15));
    expect(q.alphas[63]).toBe(1);
    expect(q.transformed).toEqual({ zeroAtStart: true, zeroAtEnd: false });
    const share = (rule: QuadratureRuleName, n: number, test: (a: number) => boolean) => quadrature(rule, n).alphas.filter(test).length / n;
    // Below alpha = 0.05 (where ReLU integrands move most) as many as SIDI; above 0.5 far fewer.
    expect(share('SQUARED', 64, (a) => a < 0.05)).toBeGreaterThan(0.2);
    expect(share('SQUARED', 64, (a) => a > 0.5)).toBeLessThan(0.3);
    expect(share('SIDI', 63, (a) => a > 0.5)).toBeGreaterThan(0.45);
    // The trapezoid rule in t on f(t^2) 2t: the first Euler-Maclaurin term is h^2, so halving h divides the error by 4.
    const exact = Math.E - 1;
    const e = (n: number) => Math.abs(integrate('SQUARED', n, Math.exp) - exact);
    expect(e(16) / e(32)).toBeCloseTo(4, 0);
    expect(e(32) / e(64)).toBeCloseTo(4, 0);
  });

  it('SIDI never evaluates the end points, crowds points towards them and errs as h^6 on a smooth integrand', () => {
    const q = quadrature('SIDI', 31);
    expect(Math.min(...q.alphas)).toBeGreaterThan(0);
    expect(Math.max(...q.alphas)).toBeLessThan(1);
    // A uniform grid of 31 interior points starts at 1/32; the transform puts its first far closer.
    expect(Math.min(...q.alphas)).toBeLessThan(1e-3);
    const exact = Math.E - 1;
    const e = (n: number) => Math.abs(integrate('SIDI', n, Math.exp) - exact);
    // sin^2 leaves only even powers near the ends, so the first Euler-Maclaurin term left is h^6: ratio ~ 2^6.
    expect(e(15) / e(31)).toBeGreaterThan(40);
    expect(e(15) / e(31)).toBeLessThan(80);
  });
});
