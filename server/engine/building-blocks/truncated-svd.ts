import { EVD, Matrix, SVD } from 'ml-matrix';
import { mulberry32 } from '../seeded-random.js';

/** The leading singular triplets of a dense row-major matrix, and every singular value. */
export interface TruncatedSvd {
  /** rows x k, row-major: left singular vectors as columns. */
  u: Float64Array;
  /** k leading singular values, largest first. */
  s: Float64Array;
  /** k x cols, row-major: right singular vectors as rows. */
  v: Float64Array;
  /** All min(rows, cols) singular values, largest first (for the Eckart-Young bound). */
  all: Float64Array;
}

/** Full SVD by ml-matrix (Golub-Kahan-Reinsch, a JAMA port), cut to the k leading triplets: the slow, plain oracle. */
export function fullSvd(x: ArrayLike<number>, rows: number, cols: number, k: number): TruncatedSvd {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, x[i * cols + j]);
  const svd = new SVD(m, { computeLeftSingularVectors: true, computeRightSingularVectors: true, autoTranspose: true });
  const order = svd.diagonal.map((_, i) => i).sort((a, b) => svd.diagonal[b] - svd.diagonal[a]);
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const u = new Float64Array(rows * k);
  const v = new Float64Array(k * cols);
  const s = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    const j = order[t];
    s[t] = svd.diagonal[j] ?? 0;
    for (let i = 0; i < rows; i++) u[i * k + t] = U.get(i, j);
    for (let c = 0; c < cols; c++) v[t * cols + c] = V.get(c, j);
  }
  return { u, s, v, all: Float64Array.from(order.map((j) => svd.diagonal[j])) };
}

/** ||X - X_k||_F / ||X||_F for the best rank-k approximation X_k (Eckart-Young): no rank-k factorization does better. */
export function rankKRelativeError(singularValues: ArrayLike<number>, k: number): number {
  let tail = 0,
    total = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const s2 = singularValues[i] ** 2;
    total += s2;
    if (i >= k) tail += s2;
  }
  return total > 0 ? Math.sqrt(tail / total) : 0;
}

/** Columns drawn past k, as scikit-learn's randomized_svd (`n_oversamples=10`). */
const OVERSAMPLES = 10;
/** Power iterations stop once the k leading singular values move less than this, relatively. */
const POWER_TOLERANCE = 1e-12;
const MIN_POWER_ITERATIONS = 7;
const MAX_POWER_ITERATIONS = 200;

/**
 * The k leading singular triplets by randomized subspace iteration (Halko, Martinsson & Tropp
 * 2011, the algorithm of scikit-learn's randomized_svd, which its NNDSVD calls), iterated until
 * the leading values settle, so the result is the exact truncated SVD to ~1e-12, not a sketch.
 * Seeded: the random start only changes the path, not where it converges (up to signs).
 */
export function truncatedSvd(x: ArrayLike<number>, rows: number, cols: number, k: number, seed = 0): TruncatedSvd {
  const p = Math.min(k + OVERSAMPLES, rows, cols);
  const normal = gaussian(mulberry32(seed));
  let q = orthonormalColumns(
    multiply(
      x,
      rows,
      cols,
      Array.from({ length: p }, () => Float64Array.from({ length: cols }, normal)),
    ),
  );
  let small = projectAndDecompose(x, rows, cols, q);
  for (let it = 0; it < MAX_POWER_ITERATIONS; it++) {
    const z = orthonormalColumns(multiplyTransposed(x, rows, cols, q));
    q = orthonormalColumns(multiply(x, rows, cols, z));
    const next = projectAndDecompose(x, rows, cols, q);
    let change = 0;
    for (let t = 0; t < k; t++) change = Math.max(change, Math.abs(next.s[t] - small.s[t]) / Math.max(next.s[0], 1e-300));
    small = next;
    if (it + 1 >= MIN_POWER_ITERATIONS && change < POWER_TOLERANCE) break;
  }
  const u = new Float64Array(rows * k);
  const v = new Float64Array(k * cols);
  const s = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    s[t] = small.s[t];
    const e = small.vectors[t];
    // U = Q e; V = B^T e / s with B = Q^T X.
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      for (let j = 0; j < p; j++) acc += q[j][i] * e[j];
      u[i * k + t] = acc;
    }
    const inv = s[t] > 0 ? 1 / s[t] : 0;
    for (let c = 0; c < cols; c++) v[t * cols + c] = small.b[c] ? dot(small.b[c], e) * inv : 0;
  }
  return { u, s, v, all: s.slice() };
}

/** B = Q^T X (stored as its columns, one per column of X) and the eigenpairs of B B^T, largest first. */
function projectAndDecompose(x: ArrayLike<number>, rows: number, cols: number, q: Float64Array[]) {
  const p = q.length;
  const b: Float64Array[] = Array.from({ length: cols }, () => new Float64Array(p));
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      const v = x[i * cols + c];
      if (v === 0) continue;
      const col = b[c];
      for (let j = 0; j < p; j++) col[j] += q[j][i] * v;
    }
  }
  const bbt = new Matrix(p, p);
  for (const col of b) for (let a = 0; a < p; a++) for (let d = 0; d < p; d++) bbt.set(a, d, bbt.get(a, d) + col[a] * col[d]);
  const evd = new EVD(bbt, { assumeSymmetric: true });
  const order = evd.realEigenvalues.map((_, i) => i).sort((a, d) => evd.realEigenvalues[d] - evd.realEigenvalues[a]);
  return {
    b,
    s: order.map((j) => Math.sqrt(Math.max(evd.realEigenvalues[j], 0))),
    vectors: order.map((j) => Float64Array.from({ length: p }, (_, a) => evd.eigenvectorMatrix.get(a, j))),
  };
}

/** X (rows x cols) times each of the given column vectors (length cols). */
function multiply(x: ArrayLike<number>, rows: number, cols: number, vs: Float64Array[]): Float64Array[] {
  return vs.map((v) => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let acc = 0;
      for (let c = 0; c < cols; c++) acc += x[i * cols + c] * v[c];
      out[i] = acc;
    }
    return out;
  });
}

/** X^T times each of the given column vectors (length rows). */
function multiplyTransposed(x: ArrayLike<number>, rows: number, cols: number, vs: Float64Array[]): Float64Array[] {
  return vs.map((v) => {
    const out = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      for (let c = 0; c < cols; c++) out[c] += x[i * cols + c] * vi;
    }
    return out;
  });
}

/** Modified Gram-Schmidt, twice (enough for orthogonality to rounding); a vanishing column stays 0. */
function orthonormalColumns(vs: Float64Array[]): Float64Array[] {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < vs.length; j++) {
      for (let i = 0; i < j; i++) {
        const d = dot(vs[i], vs[j]);
        for (let r = 0; r < vs[j].length; r++) vs[j][r] -= d * vs[i][r];
      }
      const n = Math.sqrt(dot(vs[j], vs[j]));
      for (let r = 0; r < vs[j].length; r++) vs[j][r] = n > 1e-300 ? vs[j][r] / n : 0;
    }
  }
  return vs;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Box-Muller on a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u1 = Math.max(uniform(), 1e-300);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * uniform());
  };
}
