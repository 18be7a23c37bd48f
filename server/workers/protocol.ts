import type { EngineErrorCode } from '../errors/engine-error.js';
import type { AttributionRequest, Snapshot, SpatialMap } from '../engine/attribution/types.js';
import type { Prediction, RunPhases, RunResult } from '../engine/engine.js';
import type { LayerPreparation } from '../engine/executors/executor.js';
import type { DecodedImage } from '../engine/images.js';
import type { LayerInfo } from '../engine/network/network.js';
import type {
  ClassSpatialRequest,
  DictionaryGrid,
  DictionaryRequest,
  GroupIconsReply,
  GroupIconsRequest,
  GroupsReply,
  GroupsRequest,
  SpatialAttributionMap,
} from '../engine/building-blocks/requests.js';
import type { LayerToLayerMaps, LayerToLayerRequest } from '../engine/building-blocks/layer-to-layer-attribution.js';
import type {
  ChannelExamples,
  ComposedSpritemap,
  ComposeRequest,
  ExamplesRequest,
  RenderSpritesRequest,
  SpriteMessage,
} from '../engine/sprite-requests.js';
import type { BackendChoice, ExecutorSettings } from '../engine/executors/index.js';
import type { ModelSource } from '../engine/load-model.js';
import type { ModelRef } from '../engine/model-ref.js';

/** Every request a worker answers, with the value its `done` reply carries. */
export interface WorkerReplies {
  decode: DecodedImage;
  predict: Prediction[];
  run: RunResult;
  /** Each layer's result went ahead as a `layer-done` event; the reply says where the time went. */
  runLayers: RunPhases;
  /** Loads a model (if it is not loaded) and describes it. */
  load: WorkerReady;
  /** Unloads every version of a model (after a delete). */
  forget: null;
  /** The keys (modelKey) of the models loaded now, least recently used first. */
  loaded: string[];
  prepare: LayerPreparation;
  /** Sprites rendered. */
  render: number;
  compose: ComposedSpritemap;
  examples: ChannelExamples;
  groups: GroupsReply;
  dictionary: DictionaryGrid;
  classSpatial: SpatialAttributionMap;
  groupIcons: GroupIconsReply;
  layerToLayer: LayerToLayerMaps;
}

export type RequestType = keyof WorkerReplies;

/** Messages from the pool to a worker. Each runs on `model` (the worker's default model when absent). */
export type WorkerCommand = ModelCommand & { model?: ModelRef };

type ModelCommand =
  | { type: 'decode'; id: number; bytes: Uint8Array }
  | { type: 'predict'; id: number; pixels: Float32Array; top: number }
  /**
   * `resumeFrom`: an encoded IntegrationState (a stored checkpoint) to continue from.
   * `checkpointIntervalMs`: the least time between two checkpoints sent back (0: every chunk; none without it).
   */
  | { type: 'run'; id: number; pixels: Float32Array; request: AttributionRequest; resumeFrom?: Uint8Array; checkpointIntervalMs?: number }
  /**
   * Several layers of one image (`layers`, in order, a subset of `request.layers` when a job
   * resumes): one forward pass, then each layer as a `run` of it alone would go. `resume`: the
   * checkpoint of the layer it stopped in.
   */
  | {
      type: 'runLayers';
      id: number;
      pixels: Float32Array;
      request: AttributionRequest;
      layers: string[];
      resume?: { layer: string; data: Uint8Array };
      checkpointIntervalMs?: number;
    }
  /** Compiles (or loads from the graph cache) a layer's graphs ahead of a run. */
  | { type: 'prepare'; id: number; layer: string }
  | { type: 'render'; id: number; request: RenderSpritesRequest }
  | { type: 'compose'; id: number; request: ComposeRequest }
  | { type: 'examples'; id: number; request: ExamplesRequest }
  | { type: 'groups'; id: number; pixels: Float32Array; request: GroupsRequest }
  | { type: 'dictionary'; id: number; pixels: Float32Array; request: DictionaryRequest }
  | { type: 'classSpatial'; id: number; pixels: Float32Array; request: ClassSpatialRequest }
  | { type: 'groupIcons'; id: number; request: GroupIconsRequest }
  /** Layer-to-layer spatial attribution: one backward pass per target position, with `progress` after each batch. */
  | { type: 'layerToLayer'; id: number; pixels: Float32Array; request: LayerToLayerRequest }
  | { type: 'load'; id: number }
  | { type: 'forget'; id: number; modelId: string }
  | { type: 'loaded'; id: number }
  | { type: 'cancel'; id: number };

/** The request of type K, as the pool hands it over (the id is the pool's). */
export type WorkerRequest<K extends RequestType> = Omit<Extract<WorkerCommand, { type: K }>, 'id'>;

/** A loaded model, as the pool learns it (the `ready` of a worker: its default model; the reply to `load`). */
export interface WorkerReady {
  name: string;
  backend: string;
  inputSize: number;
  layers: LayerInfo[];
  labelsText: string;
  source: ModelSource;
}

/** The `done` reply to a request of type K. */
export interface DoneEvent<K extends RequestType = RequestType> {
  type: 'done';
  id: number;
  value: WorkerReplies[K];
}

/** Messages from a worker to the pool. */
export type WorkerEvent =
  | { type: 'ready'; info: WorkerReady }
  | { type: 'fatal'; error: WireError }
  /**
   * `spatial`: the running spatial map beside the snapshot, transferred; never stored or published.
   * `checkpoint`: the encoded integration state after this snapshot's chunk, when one is due.
   */
  | { type: 'snapshot'; id: number; snapshot: Snapshot; spatial?: SpatialMap; checkpoint?: Uint8Array; layer?: string }
  /** One layer of a `runLayers` finished: its result (spatial map and integrated gradient transferred). */
  | { type: 'layer-done'; id: number; layer: string; result: RunResult }
  | { type: 'sprite'; id: number; sprite: SpriteMessage }
  /** A render's progress: `step` of `steps` over all its batches, finished at `at` (Date.now() in the worker). */
  | { type: 'render-step'; id: number; step: number; steps: number; at: number }
  /** Progress of a request that works through items (layer-to-layer targets): `done` of `total`. */
  | { type: 'progress'; id: number; done: number; total: number }
  | DoneEvent
  | { type: 'failed'; id: number; error: WireError };

export interface WireError {
  code: EngineErrorCode | 'INTERNAL';
  message: string;
  details?: Record<string, unknown>;
}

/** What the one-off inspection thread (inspect-worker.ts) is started with: the model to check, and how the engine would load it. */
export interface InspectWork {
  path: string;
  options: ModelLoading;
}

/** Its one message back: the model's description, or why it cannot be loaded. */
export type InspectReply = { description: WorkerReady; error?: never } | { error: WireError; description?: never };

/** How a worker loads models: the executor settings and where the built-in model's labels are. */
export interface ModelLoading extends ExecutorSettings {
  backend: BackendChoice;
  /** The built-in model's folder (also where imported 1000-class models find the ImageNet labels). */
  modelDir?: string;
  /** MAX_MODEL_BYTES: the largest imported model (graph plus external data) read. */
  maxModelBytes?: number;
  /** Load weights whose checksum is not BVLC GoogLeNet's (ALLOW_UNKNOWN_WEIGHTS). */
  allowUnknownWeights?: boolean;
}

/** What a worker is started with (workerData): the engine settings, parsed once in the main thread. */
export interface WorkerOptions extends ModelLoading {
  /** The model requests run on when they name none (the built-in one, or the CLI's --model), loaded at start: a worker that cannot load it fails to start. */
  defaultModel: ModelRef;
  /** Models kept loaded at once, least recently used out (ENGINE_MODELS_IN_MEMORY). */
  modelsInMemory: number;
  /** Intra-op threads for the executor: the cores divided among the pool's workers. */
  threads: number;
  /** The worker thread's nice value, inherited by the executor's threads (ENGINE_NICE). */
  nice?: number;
}
