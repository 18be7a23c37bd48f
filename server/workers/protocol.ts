import type { EngineErrorCode } from '../errors/engine-error.js';
import type { AttributionRequest, AttributionResult, Snapshot } from '../engine/attribution/types.js';
import type { LayerInfo } from '../engine/network/network.js';
import type { ComposeRequest, ExamplesRequest, RenderSpritesRequest, SpriteMessage } from '../spritemaps/types.js';

/** Messages from the pool to a worker. */
export type WorkerCommand =
  | { type: 'decode'; id: number; bytes: Uint8Array }
  | { type: 'predict'; id: number; pixels: Float32Array; top: number }
  | { type: 'run'; id: number; pixels: Float32Array; request: AttributionRequest }
  | { type: 'render'; id: number; request: RenderSpritesRequest }
  | { type: 'compose'; id: number; request: ComposeRequest }
  | { type: 'examples'; id: number; request: ExamplesRequest }
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

export type RunResult = AttributionResult;
