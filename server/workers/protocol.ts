import type { EngineErrorCode } from '../errors/engine-error.js';
import type { AttributionRequest, AttributionResult, Snapshot } from '../engine/attribution/types.js';
export type { LayerPreparation } from '../engine/executors/executor.js';
import type { LayerInfo } from '../engine/network/network.js';
import type { ClassSpatialRequest, DictionaryRequest, GroupsRequest } from '../engine/groups/requests.js';
import type { ComposeRequest, ExamplesRequest, RenderSpritesRequest, SpriteMessage } from '../spritemaps/types.js';

/** Messages from the pool to a worker. */
export type WorkerCommand =
  | { type: 'decode'; id: number; bytes: Uint8Array }
  | { type: 'predict'; id: number; pixels: Float32Array; top: number }
  | { type: 'run'; id: number; pixels: Float32Array; request: AttributionRequest }
  /** Compiles (or loads from the graph cache) a layer's graphs ahead of a run; replies LayerPreparation. */
  | { type: 'prepare'; id: number; layer: string }
  | { type: 'render'; id: number; request: RenderSpritesRequest }
  | { type: 'compose'; id: number; request: ComposeRequest }
  | { type: 'examples'; id: number; request: ExamplesRequest }
  | { type: 'groups'; id: number; pixels: Float32Array; request: GroupsRequest }
  | { type: 'dictionary'; id: number; pixels: Float32Array; request: DictionaryRequest }
  | { type: 'classSpatial'; id: number; pixels: Float32Array; request: ClassSpatialRequest }
  | { type: 'cancel'; id: number };

export interface Prediction {
  index: number;
  label: string;
  probability: number;
  logit: number;
}

export interface WorkerReady {
  name: string;
  backend: string;
  inputSize: number;
  layers: LayerInfo[];
  labelsText: string;
}

/** Messages from a worker to the pool. */
export type WorkerEvent =
  | { type: 'ready'; info: WorkerReady }
  | { type: 'fatal'; error: WireError }
  /** `spatial`: the running spatial map (NHWC) beside the snapshot, transferred; never stored or published. */
  | { type: 'snapshot'; id: number; snapshot: Snapshot; spatial?: Float32Array }
  | { type: 'sprite'; id: number; sprite: SpriteMessage }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: WireError };

export interface WireError {
  code: EngineErrorCode | 'INTERNAL';
  message: string;
  details?: Record<string, unknown>;
}

export interface WorkerOptions {
  backend: string;
  modelDir?: string;
  /** Intra-op threads for the executor: the cores divided among the pool's workers. */
  threads: number;
}

/** Where a run's time went, measured in the worker. */
export interface RunPhases {
  /** Waiting for the layer's graphs: compiling or loading them, or an earlier `prepare` still at it; 0 when they were ready. */
  compileMs: number;
  /** The forward pass to the layer. */
  activationsMs: number;
  /** The integration: end-point logits and every path step (the estimator's elapsed time). */
  pathMs: number;
}

export type RunResult = AttributionResult & { phases: RunPhases };
