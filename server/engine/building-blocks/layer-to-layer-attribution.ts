import { EngineError } from '../../errors/engine-error.js';
import type { Executor } from '../executors/executor.js';
import { layerShape, type LayerInfo } from '../layer-info.js';
import { checkPosition } from './semantic-dictionary.js';
import { requireAttributionLayer } from './validate-groups.js';

/**
 * Target positions one request may ask for: each costs a backward pass through the later
 * layers. 196 covers every position of mixed4a..mixed4e (14x14), and 7x7 twice over.
 */
export const MAX_TARGET_POSITIONS = 196;
/** Target positions per backward run: one batch item each (bench/spatial-attribution.ts). */
export const TARGET_BATCH = 7;

export interface GridPosition {
  x: number;
  y: number;
}

export interface LayerToLayerRequest {
  /** The earlier layer: the maps are over its grid. */
  from: string;
  /** The later layer: one map per target position of its grid. */
  to: string;
  positions: GridPosition[];
}

export interface TargetMap extends GridPosition {
  /** ||to[y, x, :]||, the objective's value (0: the map is all zero). */
  magnitude: number;
  /** H1*W1 values over `from`'s grid, row-major. */
  values: number[];
}

export interface LayerToLayerMaps {
  from: string;
  to: string;
  fromHeight: number;
  fromWidth: number;
  toHeight: number;
  toWidth: number;
  maps: TargetMap[];
}

/**
 * Checks a request before any work: both layers known, `to` after `from`, positions on `to`'s
 * grid, distinct, at most MAX_TARGET_POSITIONS; none given means every position of `to`.
 */
export function validateLayerToLayer(
  layers: LayerInfo[],
  from: string,
  to: string,
  positions?: GridPosition[] | null,
): LayerToLayerRequest {
  const a = requireAttributionLayer(from, layers);
  const b = requireAttributionLayer(to, layers);
  // Layers are in graph order.
  if (layers.indexOf(b) <= layers.indexOf(a)) {
    const order = layers.filter((l) => !l.bypassedBy && l.listed !== false).map((l) => l.name);
    throw new EngineError(
      'BAD_ARGUMENT',
      `The target layer must come after the source layer: ${to} is not after ${from}${order.length <= 12 ? ` (order: ${order.join(', ')})` : ''}.`,
      { from, to },
    );
  }
  const all = b.height * b.width;
  if (!positions) {
    if (all > MAX_TARGET_POSITIONS) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `${to} has ${all} positions, more than the ${MAX_TARGET_POSITIONS} one request may attribute from (one backward pass each): list the positions.`,
        { max: MAX_TARGET_POSITIONS },
      );
    }
    positions = Array.from({ length: all }, (_, p) => ({ x: p % b.width, y: Math.floor(p / b.width) }));
  }
  if (positions.length === 0)
    throw new EngineError('BAD_ARGUMENT', 'positions is empty: give at least one target position, or leave it out for all of them.');
  if (positions.length > MAX_TARGET_POSITIONS) {
    throw new EngineError(
      'BAD_ARGUMENT',
      `${positions.length} target positions asked for, at most ${MAX_TARGET_POSITIONS} per request (one backward pass each).`,
      { max: MAX_TARGET_POSITIONS },
    );
  }
  const seen = new Set<number>();
  for (const { x, y } of positions) {
    checkPosition(b, x, y);
    if (seen.has(y * b.width + x)) throw new EngineError('BAD_ARGUMENT', `Position (x ${x}, y ${y}) is listed twice.`);
    seen.add(y * b.width + x);
  }
  return { from: a.name, to: b.name, positions: positions.map(({ x, y }) => ({ x, y })) };
}

export interface LayerToLayerOptions {
  /** After each batch of targets: how many are done of how many. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  batch?: number;
}

/**
 * Layer-to-layer spatial attribution, as Lucid's `raw_spatial_spatial_attr` (AttrSpatial.ipynb):
 * for a target position p of `to`, the objective is the magnitude of its activation vector,
 * ||to[p, :]||_2 (`tf.sqrt(tf.reduce_sum(T(layer2)**2, -1))[n_x, n_y]`), and the map over
 * `from` is sum_c acts[s, c] * d||to[p]||/d acts[s, c] at each source position s: the linear
 * estimate of what each position of the earlier layer adds to that one of the later.
 *
 * d||v||/dv = v / ||v||, so each target is one vector-Jacobian product with that seed at p and
 * zero elsewhere; targets run TARGET_BATCH to a backward pass, as batch items. Max-pool
 * gradients are exact (first maximum); Lucid's notebook also shows a "smooth max-pool" override,
 * which is not used here. A target whose vector is all zero gets a zero map (the norm's
 * gradient is undefined there; TensorFlow would give NaN).
 */
export async function layerToLayerAttribution(
  executor: Executor,
  acts: Float32Array,
  request: LayerToLayerRequest,
  options: LayerToLayerOptions = {},
): Promise<LayerToLayerMaps> {
  const { from, to, positions } = request;
  const [H1, W1, C1] = layerShape(executor.model.layers, from);
  const [H2, W2, C2] = layerShape(executor.model.layers, to);
  const size1 = H1 * W1 * C1,
    size2 = H2 * W2 * C2;
  // The later layer's activations, from the same sub-network (a zero seed: its gradient is unused).
  const { later } = await executor.layerGradients(from, to, acts, new Float32Array(size2), 1);
  const batch = Math.max(1, Math.floor(options.batch ?? TARGET_BATCH));
  const maps: TargetMap[] = [];
  for (let start = 0; start < positions.length; start += batch) {
    if (options.signal?.aborted) throw new EngineError('CANCELLED', 'The layer-to-layer attribution was cancelled.');
    const chunk = positions.slice(start, start + batch);
    const seeds = new Float32Array(chunk.length * size2);
    const magnitudes = chunk.map(({ x, y }, b) => {
      const o = (y * W2 + x) * C2;
      let sq = 0;
      for (let c = 0; c < C2; c++) sq += later[o + c] ** 2;
      const norm = Math.sqrt(sq);
      if (norm > 0) for (let c = 0; c < C2; c++) seeds[b * size2 + o + c] = later[o + c] / norm;
      return norm;
    });
    const repeated = new Float32Array(chunk.length * size1);
    for (let b = 0; b < chunk.length; b++) repeated.set(acts, b * size1);
    const { grads } = await executor.layerGradients(from, to, repeated, seeds, chunk.length);
    chunk.forEach(({ x, y }, b) => {
      const values = new Array<number>(H1 * W1).fill(0);
      const g = b * size1;
      for (let s = 0; s < H1 * W1; s++) {
        let sum = 0;
        for (let c = 0, o = s * C1; c < C1; c++) sum += acts[o + c] * grads[g + o + c];
        values[s] = sum;
      }
      maps.push({ x, y, magnitude: magnitudes[b], values });
    });
    options.onProgress?.(maps.length, positions.length);
  }
  return { from, to, fromHeight: H1, fromWidth: W1, toHeight: H2, toWidth: W2, maps };
}
