import type { ScoreSpec } from '../executors/executor.js';
import type { GroupsEstimate } from '../building-blocks/requests.js';

export type AttributionMethod = 'SIMPLE' | 'PATH' | 'STOCHASTIC_PATH';
export type QuadratureRuleName = 'LEFT_RIEMANN' | 'TRAPEZOID' | 'MIDPOINT' | 'GAUSS_LEGENDRE' | 'SIDI' | 'SQUARED';

/** What a user asks for, as it arrives from the CLI or the API (classes still as text). */
export interface AttributionInput {
  layer: string;
  /**
   * Several layers in one job (or `['*']` for every attribution layer), each integrated exactly
   * as a job at that layer alone would be; `layer` is then ignored. Null or absent: `layer` only.
   */
  layers?: string[] | null;
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
  /** The layer; in a request for several layers, the first of them (the one `layers[0]` names). */
  layer: string;
  /**
   * Every layer of a multi-layer job, from input to output (two or more); null or absent for one.
   * `layerRequest(request, layer)` is what each of them runs: the request a job at that layer alone gets.
   */
  layers?: string[] | null;
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

/** The engine's state after each chunk of steps: the running estimate, rescaled to the whole path, that the API streams. */
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
  /**
   * Jobs over several layers or images: one estimate per layer, from input to output. The
   * snapshot's own fields are then those of the first layer's estimate, and `stepsDone`,
   * `stepsTotal`, `elapsedMs`, `etaMs` and `done` those of the whole job.
   */
  layers?: LayerEstimate[];
  /** Jobs over several images: how far the images are. */
  images?: ImagesProgress;
}

/** Where one layer of a multi-layer or multi-image job stands. */
export type LayerStatus = 'QUEUED' | 'RUNNING' | 'DONE';

/**
 * One layer's estimate in a job over several layers or images: the same fields as a single
 * job's snapshot. Over several images `values` is the mean over the images done and `errors`
 * combines the spread between images with their integration errors (image-mean.ts).
 */
export interface LayerEstimate extends Omit<Snapshot, 'layers' | 'images' | 'groups' | 'projections'> {
  layer: string;
  status: LayerStatus;
  /** Over several images: the parts of `errors` and the consistency counts. */
  acrossImages?: AcrossImages;
}

/** The statistics of one layer over the images of a job that are done. */
export interface AcrossImages {
  /** Images whose estimate at this layer is in the mean. */
  imagesDone: number;
  /** Per channel, the standard error of the mean from the spread between images (0 with one image: unknown). */
  spread: number[];
  /** Per channel, sqrt(sum of the images' squared integration errors) / images: the integration part. */
  integration: number[];
  /** Per channel, how many images have it in their top K (K = topK). */
  topCount: number[];
  /** Per channel, how many images have it in their bottom K. */
  bottomCount: number[];
}

/** How far the images of a multi-image job are. */
export interface ImagesProgress {
  total: number;
  done: number;
  /** Image indexes (into the job's image list) done so far, ascending. */
  doneIndexes: number[];
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
