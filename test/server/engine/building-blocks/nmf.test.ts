import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';
import { nmf, relativeError } from '../../../../server/engine/building-blocks/nmf.js';
import { fullSvd, rankKRelativeError, truncatedSvd } from '../../../../server/engine/building-blocks/truncated-svd.js';
import { image224, wasmExecutor } from '../../../helpers/fixtures.js';

/** A product W0 H0 of sparse non-negative factors, each group owning some rows and columns alone (separable, so unique up to scale and order). */
function planted(rows: number, cols: number, k: number, seed: number) {
  const rand = mulberry32(seed);
  const w0 = new Float64Array(rows * k);
  const h0 = new Float64Array(k * cols);
  for (let i = 0; i < rows; i++)
    for (let t = 0; t < k; t++) w0[i * k + t] = i < k ? (i === t ? 1 + rand() : 0) : rand() < 0.5 ? rand() * 3 : 0;
  for (let t = 0; t < k; t++)
    for (let c = 0; c < cols; c++) h0[t * cols + c] = c < k ? (c === t ? 1 + rand() : 0) : rand() < 0.5 ? rand() * 2 : 0;
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < cols; c++) for (let t = 0; t < k; t++) x[i * cols + c] += w0[i * k + t] * h0[t * cols + c];
  return { x, w0, h0 };
}

const column = (m: Float64Array, rows: number, k: number, t: number) => Float64Array.from({ length: rows }, (_, i) => m[i * k + t]);
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] ** 2, bb + b[i] ** 2];
  return ab / Math.sqrt(aa * bb);
};

describe('NMF (coordinate descent, NNDSVDA start)', () => {
  it('recovers a planted exact factorization: error ~0 and every factor found, up to order and scale', () => {
    const [rows, cols, k] = [60, 45, 4];
    const { x, w0, h0 } = planted(rows, cols, k, 7);
    const f = nmf(x, rows, cols, { components: k, tolerance: 1e-12, maxIterations: 20000 });
    expect(f.relativeError).toBeLessThan(1e-4);
    for (let t = 0; t < k; t++) {
      // The planted column t of W0 must match some recovered column, and the same one in H.
      const truth = column(w0, rows, k, t);
      const best = Array.from({ length: k }, (_, s) => cosine(truth, column(f.w, rows, k, s)));
      const s = best.indexOf(Math.max(...best));
      expect(best[s]).toBeGreaterThan(0.999);
      expect(cosine(h0.subarray(t * cols, (t + 1) * cols), f.h.subarray(s * cols, (s + 1) * cols))).toBeGreaterThan(0.999);
    }
  });

  it('satisfies the KKT conditions at its solution: W, H >= 0, gradients >= 0, and W * grad_W = H * grad_H = 0', () => {
    const [rows, cols, k] = [50, 70, 5];
    const rand = mulberry32(3);
    const x = Float64Array.from({ length: rows * cols }, () => (rand() < 0.4 ? 0 : rand()));
    const f = nmf(x, rows, cols, { components: k, tolerance: 1e-9, maxIterations: 20000 });
    // grad_W = (W H - X) H^T, grad_H = W^T (W H - X).
    const r = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let c = 0; c < cols; c++) {
        let p = 0;
        for (let t = 0; t < k; t++) p += f.w[i * k + t] * f.h[t * cols + c];
        r[i * cols + c] = p - x[i * cols + c];
      }
    // Scale: the size of the gradient's terms, |X H^T| and |W^T X|.
    let scaleW = 0,
      scaleH = 0;
    for (let i = 0; i < rows; i++)
      for (let t = 0; t < k; t++) {
        let g = 0,
          xs = 0;
        for (let c = 0; c < cols; c++) [g, xs] = [g + r[i * cols + c] * f.h[t * cols + c], xs + x[i * cols + c] * f.h[t * cols + c]];
        scaleW = Math.max(scaleW, xs);
        const w = f.w[i * k + t];
        expect(w).toBeGreaterThanOrEqual(0);
        expect(g).toBeGreaterThan(-1e-5 * xs - 1e-12);
        expect(Math.abs(Math.min(w, g))).toBeLessThan(1e-4 * Math.max(xs, 1e-12));
      }
    for (let t = 0; t < k; t++)
      for (let c = 0; c < cols; c++) {
        let g = 0,
          xs = 0;
        for (let i = 0; i < rows; i++) [g, xs] = [g + f.w[i * k + t] * r[i * cols + c], xs + f.w[i * k + t] * x[i * cols + c]];
        scaleH = Math.max(scaleH, xs);
        const h = f.h[t * cols + c];
        expect(h).toBeGreaterThanOrEqual(0);
        expect(g).toBeGreaterThan(-1e-5 * xs - 1e-12);
        expect(Math.abs(Math.min(h, g))).toBeLessThan(1e-4 * Math.max(xs, 1e-12));
      }
    expect(scaleW * scaleH).toBeGreaterThan(0);
  });

  it('reports its own error right and same seed, same factors; RANDOM starts differ by seed', () => {
    const [rows, cols, k] = [30, 20, 3];
    const rand = mulberry32(11);
    const x = Float64Array.from({ length: rows * cols }, () => rand());
    const a = nmf(x, rows, cols, { components: k, seed: 5 });
    expect(nmf(x, rows, cols, { components: k, seed: 5 }).w).toEqual(a.w);
    expect(a.relativeError).toBeCloseTo(relativeError(x, rows, cols, a.w, a.h, k), 12);
    const r1 = nmf(x, rows, cols, { components: k, init: 'RANDOM', seed: 1, maxIterations: 1 });
    const r2 = nmf(x, rows, cols, { components: k, init: 'RANDOM', seed: 2, maxIterations: 1 });
    expect(r1.w).not.toEqual(r2.w);
  });

  it('rejects negative input and a group count off 1..min(rows, cols) with BAD_ARGUMENT', () => {
    expect(() => nmf([1, -1, 0, 2], 2, 2, { components: 1 })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/non-negative/) }),
    );
    expect(() => nmf([1, 1, 0, 2], 2, 2, { components: 3 })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT', message: 'groups must be a whole number from 1 to 2, got 3.' }),
    );
  });

  it('the fast truncated SVD equals the full SVD on its leading triplets', () => {
    const [rows, cols, k] = [40, 90, 6];
    const rand = mulberry32(9);
    const x = Float64Array.from({ length: rows * cols }, () => rand() ** 3);
    const fast = truncatedSvd(x, rows, cols, k, 4);
    const full = fullSvd(x, rows, cols, k);
    for (let t = 0; t < k; t++) {
      expect(fast.s[t]).toBeCloseTo(full.s[t], 8);
      expect(Math.abs(cosine(fast.v.subarray(t * cols, (t + 1) * cols), full.v.subarray(t * cols, (t + 1) * cols)))).toBeGreaterThan(
        1 - 1e-8,
      );
    }
  });
});

describe('NMF of GoogLeNet activations (dog_cat_composite)', () => {
  for (const layer of ['mixed4d', 'mixed5a']) {
    it(`${layer}, 6 groups: never better than the rank-6 truncated SVD (Eckart-Young), and within 10% of it`, async () => {
      const ex = await wasmExecutor();
      const acts = await ex.activations(image224('dog_cat_composite'), layer);
      const [h, w, c] = ex.network.byName.get(layer)!.shape;
      const f = nmf(acts, h * w, c, { components: 6 });
      const svdError = rankKRelativeError(fullSvd(acts, h * w, c, 6).all, 6);
      expect(f.converged).toBe(true);
      expect(f.relativeError).toBeGreaterThanOrEqual(svdError - 1e-9);
      expect(f.relativeError).toBeLessThan(svdError * 1.1);
    });
  }
});
