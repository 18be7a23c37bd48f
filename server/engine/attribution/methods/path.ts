import type { Quadrature } from '../quadrature.js';

/**
 * A path from the baseline (zero activations) to the real activations A. Attribution is
 * sum_k weight_k * grad(point_k) * A, whatever the path: only the points differ by method.
 */
export interface AttributionPath {
  readonly name: string;
  readonly quadrature: Quadrature;
  /**
   * How the estimate approaches its limit, which decides its error estimate: `exact` (one
   * gradient, nothing to converge), `quadrature` (a deterministic rule: nested differences) or
   * `monte-carlo` (random points: the standard error over seeds).
   */
  readonly sampling: 'exact' | 'quadrature' | 'monte-carlo';
  /** Writes the k-th point on the path into `out` (NHWC, the size of A). */
  point(k: number, acts: Float32Array, channels: number, out: Float32Array): void;
  toString(): string;
}
