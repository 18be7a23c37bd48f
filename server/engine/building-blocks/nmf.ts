import { EngineError } from '../../errors/engine-error.js';
import { mulberry32 } from '../seeded-random.js';
import { gaussian, truncatedSvd } from './truncated-svd.js';

/**
 * How the factors start. NNDSVD (Boutsidis & Gallopoulos 2008) is deterministic; NNDSVDA fills its
 * zeros with the mean of X (scikit-learn's default since 1.1), which lets coordinate descent move
 * entries NNDSVD pins at 0; RANDOM is scikit-learn's scaled |normal| start, drawn from the seed.
 */
export type NmfInit = 'NNDSVD' | 'NNDSVDA' | 'RANDOM';

export interface NmfOptions {
  components: number;
  init?: NmfInit;
  /** Seeds the RANDOM start and the randomized SVD behind NNDSVD (which converges to the same factors whatever the seed, up to rounding). */
  seed?: number;
  maxIterations?: number;
  /** Stop once the projected-gradient violation falls to this share of the first iteration's (scikit-learn's `tol`). */
  tolerance?: number;
}

/** X ~ W H with W, H >= 0. */
export interface NmfResult {
  rows: number;
  cols: number;
  components: number;
  /** rows x components, row-major. */
  w: Float64Array;
  /** components x cols, row-major. */
  h: Float64Array;
  iterations: number;
  converged: boolean;
  /** ||X - W H||_F / ||X||_F. */
  relativeError: number;
}

/**
 * Defaults tighter than scikit-learn's (tol 1e-4, 200 iterations): on GoogLeNet activations its
 * defaults stop while the error still falls, and a group picture should not depend on when.
 */
export const NMF_DEFAULT_TOLERANCE = 1e-6;
export const NMF_DEFAULT_MAX_ITERATIONS = 2000;
/** Entries below this after NNDSVD are zeroed, as scikit-learn's `_initialize_nmf` does. */
const NNDSVD_EPS = 1e-6;

/**
 * Non-negative matrix factorization, Frobenius loss, by coordinate descent: scikit-learn's `cd`
 * solver (Cichocki & Phan 2009's HALS with per-entry Newton steps), which Lucid's ChannelReducer
 * calls. Each iteration updates every column of W, then every row of H, in order.
 */
export function nmf(x: ArrayLike<number>, rows: number, cols: number, options: NmfOptions): NmfResult {
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(rows, cols)) {
    throw new EngineError('BAD_ARGUMENT', `groups must be a whole number from 1 to ${Math.min(rows, cols)}, got ${k}.`);
  }
  const X = Float64Array.from(x);
  for (let i = 0; i < X.length; i++) {
    if (!(X[i] >= 0)) throw new EngineError('BAD_ARGUMENT', `NMF needs non-negative finite input; entry ${i} is ${X[i]}.`);
  }
  const tol = options.tolerance ?? NMF_DEFAULT_TOLERANCE;
  const maxIterations = options.maxIterations ?? NMF_DEFAULT_MAX_ITERATIONS;
  const { w, h } = initialize(X, rows, cols, k, options.init ?? 'NNDSVDA', options.seed ?? 0);
  const Xt = transpose(X, rows, cols);
  const ht = transpose(h, k, cols);

  let violationInit = 0;
  let iterations = 0;
  let converged = false;
  for (let it = 1; it <= maxIterations; it++) {
    iterations = it;
    const violation = coordinateDescentPass(X, rows, cols, w, ht, k) + coordinateDescentPass(Xt, cols, rows, ht, w, k);
    if (it === 1) violationInit = violation;
    if (violationInit === 0 || violation / violationInit <= tol) {
      converged = true;
      break;
    }
  }
  const hOut = transpose(ht, cols, k);
  return { rows, cols, components: k, w, h: hOut, iterations, converged, relativeError: relativeError(X, rows, cols, w, hOut, k) };
}

/**
 * One sweep over the columns of W (rows x k) for fixed Ht (cols x k), minimising ||X - W Ht^T||^2:
 * each entry takes a Newton step, clipped at 0. Returns the summed |projected gradient|.
 */
function coordinateDescentPass(X: Float64Array, rows: number, cols: number, W: Float64Array, Ht: Float64Array, k: number): number {
  const HHt = new Float64Array(k * k);
  for (let c = 0; c < cols; c++) {
    for (let a = 0; a < k; a++) {
      const ha = Ht[c * k + a];
      if (ha === 0) continue;
      for (let b = 0; b < k; b++) HHt[a * k + b] += ha * Ht[c * k + b];
    }
  }
  const XHt = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const xo = i * cols;
    for (let c = 0; c < cols; c++) {
      const v = X[xo + c];
      if (v === 0) continue;
      for (let t = 0; t < k; t++) XHt[i * k + t] += v * Ht[c * k + t];
    }
  }
  let violation = 0;
  for (let t = 0; t < k; t++) {
    const hess = HHt[t * k + t];
    for (let i = 0; i < rows; i++) {
      let grad = -XHt[i * k + t];
      for (let r = 0; r < k; r++) grad += HHt[t * k + r] * W[i * k + r];
      const wit = W[i * k + t];
      violation += Math.abs(wit === 0 ? Math.min(0, grad) : grad);
      if (hess !== 0) W[i * k + t] = Math.max(wit - grad / hess, 0);
    }
  }
  return violation;
}

function initialize(X: Float64Array, rows: number, cols: number, k: number, init: NmfInit, seed: number) {
  let mean = 0;
  for (let i = 0; i < X.length; i++) mean += X[i];
  mean /= X.length;
  if (init === 'RANDOM') {
    // scikit-learn: sqrt(mean / k) * |N(0, 1)|, so W H starts at the scale of X.
    const avg = Math.sqrt(mean / k);
    const normal = gaussian(mulberry32(seed));
    const h = Float64Array.from({ length: k * cols }, () => avg * Math.abs(normal()));
    const w = Float64Array.from({ length: rows * k }, () => avg * Math.abs(normal()));
    return { w, h };
  }
  const { u, s, v } = truncatedSvd(X, rows, cols, k, seed);
  const w = new Float64Array(rows * k);
  const h = new Float64Array(k * cols);
  for (let j = 0; j < k; j++) {
    const x = Float64Array.from({ length: rows }, (_, i) => u[i * k + j]);
    const y = v.subarray(j * cols, (j + 1) * cols);
    if (j === 0) {
      // The leading singular vectors of a non-negative matrix can be taken non-negative (Perron-Frobenius).
      const root = Math.sqrt(s[0]);
      for (let i = 0; i < rows; i++) w[i * k] = root * Math.abs(x[i]);
      for (let c = 0; c < cols; c++) h[c] = root * Math.abs(y[c]);
      continue;
    }
    // Keep the larger of the positive and negative parts of the rank-1 term u v^T.
    const [xp, xn] = [norm(x, 1), norm(x, -1)];
    const [yp, yn] = [norm(y, 1), norm(y, -1)];
    const positive = xp * yp > xn * yn;
    const sign = positive ? 1 : -1;
    const [xNorm, yNorm, sigma] = positive ? [xp, yp, xp * yp] : [xn, yn, xn * yn];
    const lambda = Math.sqrt(s[j] * sigma);
    for (let i = 0; i < rows; i++) w[i * k + j] = xNorm > 0 ? (lambda * Math.max(sign * x[i], 0)) / xNorm : 0;
    for (let c = 0; c < cols; c++) h[j * cols + c] = yNorm > 0 ? (lambda * Math.max(sign * y[c], 0)) / yNorm : 0;
  }
  for (const m of [w, h]) {
    for (let i = 0; i < m.length; i++) {
      if (m[i] < NNDSVD_EPS) m[i] = init === 'NNDSVDA' ? mean : 0;
    }
  }
  return { w, h };
}

/** Norm of the positive (sign 1) or negative (sign -1) part of a vector. */
function norm(x: ArrayLike<number>, sign: 1 | -1): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(sign * x[i], 0);
    s += v * v;
  }
  return Math.sqrt(s);
}

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** ||X - W H||_F / ||X||_F. */
export function relativeError(
  X: ArrayLike<number>,
  rows: number,
  cols: number,
  w: ArrayLike<number>,
  h: ArrayLike<number>,
  k: number,
): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) {
      let p = 0;
      for (let t = 0; t < k; t++) p += w[i * k + t] * h[t * cols + c];
      const x = X[i * cols + c];
      num += (x - p) ** 2;
      den += x * x;
    }
  }
  return den > 0 ? Math.sqrt(num / den) : 0;
}
