import type { ModelDescription } from '../model-description.js';

/** One side of a score: a class logit, logsumexp over all logits, or nothing (the notebook's `score_f`). */
export type ScoreTerm = { kind: 'class'; index: number } | { kind: 'logsumexp' } | { kind: 'none' };

/** The attributed score: term1(logits) - term2(logits), on `softmax2_pre_activation`. */
export interface ScoreSpec {
  class1: ScoreTerm;
  class2: ScoreTerm;
}

export interface GradientBatch {
  /** dScore/dA for each item, NHWC, `batch * H * W * C` values. */
  grads: Float32Array;
  /** score(A_b) for each item. */
  scores: Float32Array;
}

export interface LayerGradientBatch {
  /** `batch * H1 * W1 * C1` values at the earlier layer. */
  grads: Float32Array;
  /** `batch * H2 * W2 * C2` activations of the later layer. */
  later: Float32Array;
}

/**
 * Runs a model. Activations are NHWC float32 for one image (`H * W * C`) or a batch
 * (`B * H * W * C`); images are RGB 0..255, `inputSize` square, NHWC: each model's own
 * preprocessing (the built-in graph's mean subtraction, an imported model's rescale and
 * normalisation) happens inside its graphs. Layers are named as `model.layers` names them.
 */
export interface Executor {
  /** e.g. `tfjs-wasm`, `onnxruntime-cpu`: reported with every result. */
  readonly backend: string;
  readonly model: ModelDescription;
  /** Activations of `layer` for one image. */
  activations(image: Float32Array, layer: string): Promise<Float32Array>;
  /**
   * Activations of several layers for one image from one forward pass, in the order given, each
   * equal to `activations(image, layer)` bit for bit; absent where an executor has no such pass.
   */
  activationsOf?(image: Float32Array, layers: readonly string[]): Promise<Float32Array[]>;
  /** Logits (one row of the model's classes per item) of the network cut at `layer`, fed with `acts`. */
  logits(layer: string, acts: Float32Array, batch: number): Promise<Float32Array>;
  /** Logits of the whole network for one image. */
  imageLogits(image: Float32Array): Promise<Float32Array>;
  /** dScore/dA and the score itself, for a batch of activations at `layer`. */
  gradients(layer: string, acts: Float32Array, batch: number, score: ScoreSpec): Promise<GradientBatch>;
  /**
   * The vector-Jacobian product of the sub-network `from` -> `to`: for each batch item,
   * d sum(seed * to(acts)) / d acts (NHWC at `from`), and `to`'s activations themselves. One
   * backward pass per item; max-pool gradients go to the first maximum, as in `gradients`.
   */
  layerGradients(from: string, to: string, acts: Float32Array, seeds: Float32Array, batch: number): Promise<LayerGradientBatch>;
  /**
   * Compiles (or loads) everything an attribution at `layer` runs, ahead of the run; absent
   * where there is nothing to compile (tfjs).
   */
  prepareLayer?(layer: string): Promise<LayerPreparation>;
  dispose(): void;
}

/** What preparing a layer cost: the graphs it compiled or loaded now (0 when all were in memory). */
export interface LayerPreparation {
  compileMs: number;
  graphs: number;
  /** Of those, how many came from the on-disk graph cache. */
  fromCache: number;
}

/** Evaluates a score on one row of logits (used for score(A) and score(0)). */
export function evaluateScore(score: ScoreSpec, logits: Float32Array | number[], offset = 0, n = 1000): number {
  return termValue(score.class1, logits, offset, n) - termValue(score.class2, logits, offset, n);
}

function termValue(t: ScoreTerm, logits: ArrayLike<number>, offset: number, n: number): number {
  if (t.kind === 'none') return 0;
  if (t.kind === 'class') return logits[offset + t.index];
  return logSumExp(logits, offset, n);
}

function logSumExp(logits: ArrayLike<number>, offset: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i] - max);
  return max + Math.log(sum);
}

/** dScore/dlogits for one row: one-hot for a class, softmax for logsumexp, zero for none. */
export function scoreLogitGradient(score: ScoreSpec, logits: ArrayLike<number>, offset = 0, n = 1000): Float32Array {
  const g = new Float32Array(n);
  addTerm(g, score.class1, 1, logits, offset, n);
  addTerm(g, score.class2, -1, logits, offset, n);
  return g;
}

function addTerm(g: Float32Array, t: ScoreTerm, sign: number, logits: ArrayLike<number>, offset: number, n: number) {
  if (t.kind === 'class') g[t.index] += sign;
  else if (t.kind === 'logsumexp') {
    // d logsumexp / d logit_i = softmax_i.
    const lse = logSumExp(logits, offset, n);
    for (let i = 0; i < n; i++) g[i] += sign * Math.exp(logits[offset + i] - lse);
  }
}
