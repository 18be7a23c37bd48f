import { describe, expect, it } from 'vitest';
import { interleavedOrder, quadrature, QUADRATURE_RULES } from '../../../server/engine/attribution/quadrature.js';
import type { QuadratureRuleName } from '../../../server/engine/attribution/types.js';

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
    const f = Math.exp, exact = Math.E - 1;
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
});
