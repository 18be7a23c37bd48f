import type { ScoreSpec } from '../executors/executor.js';
import type { GroupsEstimate } from '../building-blocks/requests.js';

export type AttributionMethod = 'SIMPLE' | 'PATH' | 'STOCHASTIC_PATH';
export type QuadratureRuleName = 'LEFT_RIEMANN' | 'TRAPEZOID' | 'MIDPOINT' | 'GAUSS_LEGENDRE' | 'SIDI';

/** What a user asks for, as it arrives from the CLI or the API (classes still as text). */
export interface AttributionInput {
  layer: string;
  /** Class name, synonym, index, WordNet id, `logsumexp`, or null/`none` for a zero score. */
  class1?: string | null;
  class2?: string | null;
  method: AttributionMethod;
  /** Path steps N (1..2000); SIMPLE always uses 1. */
  steps?: number | null;
  rule?: QuadratureRuleName | null;
  seed?: number | null;
  topK?: number | null;
  /** Steps per snapshot. */
  chunkSteps?: number | null;
  /** Steps per executor call. */
  batchSize?: number | null;
  /**
   * Stop when settled: run until the estimated relative error is at most this (0 < T < 1) and
   * the top and bottom lists have settled; `steps` is then the maximum.
   */
  tolerance?: number | null;
  /** Also factor the layer into this many neuron groups (1..16) and attribute to each; null for none. */
  groups?: number | null;
}

/** A validated request: everything resolved, ready for a worker. */
export interface AttributionRequest {
  layer: string;
  score: ScoreSpec;
  /** Human-readable names of the two score terms, e.g. `Labrador retriever`, `logsumexp`, `none`. */
  class1Label: string;
  class2Label: string;
  method: AttributionMethod;
  steps: number;
  rule: QuadratureRuleName;
  seed: number;
  topK: number;
  chunkSteps: number;
  /**
   * Steps before the first snapshot, when fewer than chunkSteps: the first chunk also pays for
   * the end points and the executor's warm-up, so a small one shows the first estimate early.
   * Set by validateInput when chunkSteps is not given; absent in jobs stored before it existed.
   */
  firstChunkSteps?: number | null;
  batchSize: number;
  /** Stop at the first nested level with relativeError <= tolerance and settled lists; null (or absent, in jobs stored before it existed) runs every step. */
  tolerance?: number | null;
  /** K neuron groups to factor the layer into and attribute to; null (or absent) for none. */
  groups?: number | null;
}

export interface ChannelScore {
  channel: number;
  value: number;
  /** 1 = most positive (top) or most negative (bottom). */
  rank: number;
  /** The channel's standard error (Snapshot.errors), where known. */
  error?: number;
}

/** The engine's state after each chunk of steps (DESIGN.md, "Live refinement"). */
export interface Snapshot {
  stepsDone: number;
  stepsTotal: number;
  /** Running estimate rescaled to the full path, one value per channel, in channel order. */
  values: number[];
  /**
   * One standard error per channel, in channel order: the estimated error of `values` against
   * the converged integral (for STOCHASTIC_PATH, against its expectation over seeds). Bars are
   * 2 x errors (docs/convergence.md). All zero for SIMPLE, which is exact.
   */
  errors: number[];
  /** Estimated relative L2 error of the whole channel vector, ||errors|| / ||values||. */
  relativeError: number;
  /** Within the 2-sigma bars, each top-K and bottom-K list can change by at most its boundary member. */
  settled: boolean;
  top: ChannelScore[];
  bottom: ChannelScore[];
  /** score(A) and score(0) on the logits. */
  score: number;
  baselineScore: number;
  /** |sum(values) - (score(A) - score(0))| / |score(A) - score(0)|. */
  completenessGap: number;
  /** Share of this snapshot's top-K and bottom-K channels that were also there in the previous one (1 = settled). */
  rankStability: number;
  elapsedMs: number;
  etaMs: number;
  done: boolean;
  /** With `request.groups`: the neuron groups and the running attribution to each. */
  groups?: GroupsEstimate;
  /** With `EstimatorOptions.projection`: the running attribution to each direction and its 1-sigma error, estimated as the channels' are. */
  projections?: { values: number[]; errors: number[] };
}

/** A spatial attribution map at a layer's resolution: `height * width * channels` values, NHWC. */
export interface SpatialMap {
  height: number;
  width: number;
  channels: number;
  data: Float32Array;
}

/** The final snapshot plus the spatial attribution map, for heatmaps. */
export interface AttributionResult extends Snapshot {
  backend: string;
  layer: string;
  spatial: SpatialMap;
  /**
   * The integrated gradient of the score along the path, per position and channel (H x W x C,
   * NHWC, the shape of `spatial`), rescaled like the values: `spatial.data = integratedGradient * A`.
   * Projections of the attribution (e.g. onto neuron groups G: sum(G * integratedGradient)) start from it.
   */
  integratedGradient: Float32Array;
}
