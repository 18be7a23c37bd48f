import type { AttributionRequest, AttributionResult, Snapshot, SpatialMap } from './attribution/types.js';
import type {
  ClassSpatialRequest,
  DictionaryGrid,
  DictionaryRequest,
  GroupIconsReply,
  GroupIconsRequest,
  GroupsReply,
  GroupsRequest,
  SpatialAttributionMap,
} from './building-blocks/requests.js';
import type { LayerToLayerMaps, LayerToLayerRequest } from './building-blocks/layer-to-layer-attribution.js';
import type { DecodedImage } from './images.js';
import type { Labels } from './labels.js';
import type { LayerInfo } from './layer-info.js';
import type { ModelSource } from './load-model.js';
import type {
  ChannelExamples,
  ComposeRequest,
  ComposedSpritemap,
  ExamplesRequest,
  RenderSpritesRequest,
  SpriteMessage,
} from './sprite-requests.js';

/** A loaded network, as the API describes it. */
export interface ModelInfo {
  /** The model's id: `googlenet-bvlc` for the built-in one, the folder's name in MODELS_DIR for an imported one. */
  id: string;
  /** Changes with the model's files (modelKey): what caches and stored files are keyed by. */
  key: string;
  /** True for the built-in GoogLeNet. */
  builtin: boolean;
  name: string;
  /** The executor, e.g. `onnxruntime-cpu` or `tfjs-wasm`. */
  backend: string;
  inputSize: number;
  /** Every layer a request may name, in graph order (`listedLayers` for the ones lists show). */
  layers: LayerInfo[];
  labels: Labels;
  /** Built-in or imported, from where, and the defaults an import took. */
  source: ModelSource;
}

/** Every model's engine, by id: what the services above the engine pick a model through. */
export interface Models {
  /** The engine of model `id` (none: the built-in); rejects with UNKNOWN_MODEL listing the ids there are. */
  engine(id?: string | null): Promise<Engine>;
}

/** One of the network's top classes for an image. */
export interface Prediction {
  index: number;
  label: string;
  probability: number;
  logit: number;
}

/** Where a run's time went, measured in the worker. */
export interface RunPhases {
  /** Waiting for the layer's graphs: compiling or loading them, or an earlier `prepare` still at it; 0 when they were ready. */
  compileMs: number;
  /** The forward pass to the layer, and the logits at the path's two ends. */
  activationsMs: number;
  /** Every path step (the estimator's elapsed time). */
  pathMs: number;
}

/** An attribution's result, with where its time went. */
export type RunResult = AttributionResult & { phases: RunPhases };

/** Sees each chunk's snapshot and, beside it, the running spatial map (rescaled like the values). */
export type SnapshotListener = (snapshot: Snapshot, spatial?: SpatialMap, checkpoint?: Uint8Array) => void;

/** Hears a multi-layer run: each layer's snapshots (as SnapshotListener does), and each layer's result once it is done. */
export interface LayersListener {
  onSnapshot?: (layer: string, snapshot: Snapshot, spatial?: SpatialMap, checkpoint?: Uint8Array) => void;
  onLayerDone?: (layer: string, result: RunResult) => void;
}

/** How a multi-layer run checkpoints: the layer it stopped in and that layer's checkpoint. */
export interface LayersCheckpoints {
  resumeFrom?: { layer: string; data: Uint8Array };
  intervalMs?: number;
}

/** How a run checkpoints, so that no work is lost to a restart: what it resumes from, and how often it hands back its state. */
export interface RunCheckpoints {
  /** A checkpoint an earlier run of the same request handed back (an encoded IntegrationState). */
  resumeFrom?: Uint8Array;
  /** Least time between two checkpoints handed to the listener (0: after every chunk); none without it. */
  intervalMs?: number;
}

/**
 * What the services (jobs, images, spritemaps) and the schema use of the engine. EnginePool
 * (server/workers/pool.ts) implements it with worker threads; nothing above the engine needs to
 * know that.
 */
export interface Engine {
  // Every long call takes its inputs, then its callbacks (in the order they fire), then `signal`,
  // then options.
  readonly info: ModelInfo;
  /** PNG/JPEG bytes to the network input; rejects with BAD_IMAGE. */
  decodeImage(bytes: Uint8Array): Promise<DecodedImage>;
  /** The `top` most probable classes of the whole network. */
  predict(pixels: Float32Array, top?: number): Promise<Prediction[]>;
  /** Runs one attribution; `onSnapshot` sees every chunk. Aborting stops it after the current chunk (CANCELLED). */
  /**
   * With `checkpoints.intervalMs` the listener also gets, beside some snapshots, the checkpoint
   * after that chunk, and always the last chunk's once `signal` aborts. A `resumeFrom` that cannot
   * resume this request rejects with BAD_CHECKPOINT.
   */
  run(
    pixels: Float32Array,
    request: AttributionRequest,
    onSnapshot?: SnapshotListener,
    signal?: AbortSignal,
    checkpoints?: RunCheckpoints,
  ): Promise<RunResult>;
  /**
   * Attribution at several layers of one image (`layers`, in order; each as `run` with
   * layerRequest(request, layer) would give, bit for bit): one forward pass for all
   * activations, then the layers in turn. Each layer's result reaches `onLayerDone` as soon as
   * it is done; resolves with where the run's time went. Aborting stops after the current chunk
   * (CANCELLED), the checkpoint of that layer going to `onSnapshot` first, as `run` does.
   */
  runLayers(
    pixels: Float32Array,
    request: AttributionRequest,
    layers: string[],
    listener: LayersListener,
    signal?: AbortSignal,
    checkpoints?: LayersCheckpoints,
  ): Promise<RunPhases>;
  /**
   * Renders channel visualizations at low priority (each step waits while attribution runs);
   * `onSprite` sees each as it finishes, `onStep` every step of all its batches (`at`: when it
   * finished, Date.now()). Aborting stops at the next step (CANCELLED).
   */
  renderSprites(
    request: RenderSpritesRequest,
    onSprite: (s: SpriteMessage) => void,
    onStep?: (step: number, steps: number, at: number) => void,
    signal?: AbortSignal,
  ): Promise<number>;
  /** Lays a spritemap's sprite files out as one grid PNG. */
  composeSpritemap(request: ComposeRequest): Promise<ComposedSpritemap>;
  /** Dataset examples of every channel of a layer (forward passes only). */
  datasetExamples(request: ExamplesRequest): Promise<ChannelExamples>;
  /** Neuron groups of an image at a layer (NMF), with the linear attribution to each when a score is given. */
  neuronGroups(pixels: Float32Array, request: GroupsRequest): Promise<GroupsReply>;
  /** The semantic dictionary of every position of a layer (one forward pass). */
  semanticDictionary(pixels: Float32Array, request: DictionaryRequest): Promise<DictionaryGrid>;
  /** Class-to-position attribution by gradient x activation at a layer. */
  classSpatialAttribution(pixels: Float32Array, request: ClassSpatialRequest): Promise<SpatialAttributionMap>;
  /**
   * Layer-to-layer spatial attribution (Lucid's raw_spatial_spatial_attr): one map over
   * `request.from` per target position of `request.to`, one backward pass each. `onProgress`
   * after each batch of targets; aborting stops before the next batch (CANCELLED).
   */
  layerToLayerAttribution(
    pixels: Float32Array,
    request: LayerToLayerRequest,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<LayerToLayerMaps>;
  /**
   * Feature visualizations of neuron groups' channel factors (direction objectives), one batch,
   * waiting between steps while attribution runs (as renderSprites does); `onStep` after each step.
   */
  groupIcons(
    request: GroupIconsRequest,
    onStep?: (step: number, steps: number, at: number) => void,
    signal?: AbortSignal,
  ): Promise<GroupIconsReply>;
}
