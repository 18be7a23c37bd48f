import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT, RUNNING_FROM_SOURCE } from '../repo-root.js';
import { EngineError } from '../errors/engine-error.js';
import type { AttributionRequest } from '../engine/attribution/types.js';
import type {
  Engine,
  LayersCheckpoints,
  LayersListener,
  ModelInfo,
  Prediction,
  RunCheckpoints,
  RunPhases,
  RunResult,
  SnapshotListener,
} from '../engine/engine.js';
import type { DecodedImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import type { BackendChoice, ExecutorSettings, LayerPreparation } from '../engine/executors/index.js';
import type { ImportedModelChoice } from '../engine/load-model.js';
import { BUILTIN_MODEL_ID, fingerprintOf, modelKey, type ModelRef } from '../engine/model-ref.js';
import { locateModelDir } from '../engine/network/model-source.js';
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
import { AttributionGate } from './attribution-gate.js';
import type {
  InspectReply,
  InspectWork,
  RequestType,
  WireError,
  WorkerCommand,
  WorkerEvent,
  WorkerOptions,
  WorkerReady,
  WorkerReplies,
  WorkerRequest,
} from './protocol.js';

export interface PoolOptions {
  /** Worker threads; by default one per core for tfjs and one (multi-threaded) for ONNX. */
  size?: number;
  /** Default `auto`. */
  backend?: BackendChoice;
  /** Default: the engine's own lookup (engine/network/model-source.ts). */
  modelDir?: string;
  /** An imported ONNX model (folder or file) to serve instead of the built-in one; validated and prepared in the workers. */
  model?: ImportedModelChoice;
  /** Load weights whose checksum is not BVLC GoogLeNet's (ALLOW_UNKNOWN_WEIGHTS). */
  allowUnknownWeights?: boolean;
  /** Provider, spinning and tfjs backend; threads are the pool's to divide. */
  executor?: Omit<ExecutorSettings, 'threads'>;
  /** The engine threads' nice value (ENGINE_NICE; default 0). */
  nice?: number;
  /** Models each worker keeps loaded, least recently used out (ENGINE_MODELS_IN_MEMORY; default 2). */
  modelsInMemory?: number;
  /** MAX_MODEL_BYTES: the largest imported model (graph plus external data) a worker reads. */
  maxModelBytes?: number;
}

const DEFAULT_MODELS_IN_MEMORY = 2;

interface Pending {
  resolve: (v: WorkerReplies[RequestType]) => void;
  reject: (e: Error) => void;
  onSnapshot?: SnapshotListener;
  onLayers?: LayersListener;
  onSprite?: (s: SpriteMessage) => void;
  onRenderStep?: (step: number, steps: number, at: number) => void;
  onProgress?: (done: number, total: number) => void;
  slot: Slot;
}

interface Slot {
  worker: Worker;
  active: number;
}

/** How a request streams and stops: listeners for its progress messages, and the signal that cancels it. */
interface RequestHooks {
  transfer?: ArrayBuffer[];
  onSnapshot?: SnapshotListener;
  onLayers?: LayersListener;
  onSprite?: (s: SpriteMessage) => void;
  onRenderStep?: (step: number, steps: number, at: number) => void;
  onProgress?: (done: number, total: number) => void;
  /** Aborting sends the worker a cancel; it stops at its next check and fails with CANCELLED. */
  signal?: AbortSignal;
  /** The message of the CANCELLED error when `signal` has already aborted. */
  cancelled?: string;
}

const fromWire = (e: WireError) => (e.code === 'INTERNAL' ? new Error(e.message) : EngineError.fromJSON(e as any));
/**
 * How to start a worker thread of this folder: from sources (tsx, vitest) through a bootstrap
 * that registers tsx first, from a dist/ bundle by the worker's own bundle.
 */
function workerThread(name: string, workerData: Record<string, unknown>): Worker {
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  return RUNNING_FROM_SOURCE
    ? new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), { workerData: { ...workerData, entry } })
    : new Worker(pathToFileURL(join(REPO_ROOT, 'dist', 'server', 'workers', `${name}.js`)), { workerData });
}

/**
 * The engine's worker threads and the routing of their messages. A worker that exits is
 * replaced; its requests fail.
 */
class WorkerThreads {
  readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Attribution in flight, shared with every worker: renders wait between steps while it runs. */
  private readonly gate = new AttributionGate();

  constructor(readonly options: Omit<WorkerOptions, 'threads'> & { size: number }) {}

  spawn(): Promise<WorkerReady> {
    const cores = availableParallelism();
    const threads = Math.max(1, Math.floor(cores / this.options.size));
    const { size: _size, ...options } = this.options;
    const workerOptions: WorkerOptions = { ...options, threads };
    const worker = workerThread('engine-worker', { options: workerOptions, attributionGate: this.gate.buffer });
    const slot: Slot = { worker, active: 0 };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (e: WorkerEvent) => {
        if (e.type === 'ready') {
          ready = true;
          this.slots.push(slot);
          resolve(e.info);
        } else if (e.type === 'fatal') {
          reject(fromWire(e.error));
          void worker.terminate();
        } else this.route(e);
      });
      worker.on('error', (err) => {
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        for (const [id, p] of this.pending) {
          if (p.slot === slot) {
            this.pending.delete(id);
            p.reject(new Error(`An engine worker exited (code ${code}) during the request.`));
          }
        }
        if (!ready) reject(new Error(`The engine worker exited (code ${code}) before it was ready.`));
        else if (!this.closed) this.spawn().catch(() => undefined);
      });
    });
  }

  private route(e: WorkerEvent) {
    if (e.type === 'ready' || e.type === 'fatal') return;
    const p = this.pending.get(e.id);
    if (!p) return;
    if (e.type === 'snapshot') {
      if (e.layer !== undefined) p.onLayers?.onSnapshot?.(e.layer, e.snapshot, e.spatial, e.checkpoint);
      else p.onSnapshot?.(e.snapshot, e.spatial, e.checkpoint);
      return;
    }
    if (e.type === 'layer-done') {
      p.onLayers?.onLayerDone?.(e.layer, e.result);
      return;
    }
    if (e.type === 'sprite') {
      p.onSprite?.(e.sprite);
      return;
    }
    if (e.type === 'render-step') {
      p.onRenderStep?.(e.step, e.steps, e.at);
      return;
    }
    if (e.type === 'progress') {
      p.onProgress?.(e.done, e.total);
      return;
    }
    this.pending.delete(e.id);
    p.slot.active--;
    if (e.type === 'done') p.resolve(e.value);
    else p.reject(fromWire(e.error));
  }

  /** Sends one request to the least busy worker (or to `to`); resolves with its typed reply. */
  request<K extends RequestType>(command: WorkerRequest<K> & { type: K }, hooks: RequestHooks = {}, to?: Slot): Promise<WorkerReplies[K]> {
    const { signal } = hooks;
    if (signal?.aborted) return Promise.reject(new EngineError('CANCELLED', hooks.cancelled ?? 'The request was cancelled.'));
    if (this.closed) throw new Error('The engine pool is closed.');
    if (this.slots.length === 0) throw new Error('No engine worker is running.');
    const slot = to ?? this.slots.reduce((a, b) => (b.active < a.active ? b : a));
    const id = this.nextId++;
    slot.active++;
    const promise = new Promise<WorkerReplies[K]>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as Pending['resolve'],
        reject,
        onSnapshot: hooks.onSnapshot,
        onLayers: hooks.onLayers,
        onSprite: hooks.onSprite,
        onRenderStep: hooks.onRenderStep,
        onProgress: hooks.onProgress,
        slot,
      });
    });
    slot.worker.postMessage({ ...command, id } as unknown as WorkerCommand, hooks.transfer ?? []);
    if (!signal) return promise;
    const onAbort = () => slot.worker.postMessage({ type: 'cancel', id } satisfies WorkerCommand);
    signal.addEventListener('abort', onAbort, { once: true });
    return promise.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Counts attribution work in the shared gate while it is in flight: renders wait between steps meanwhile. */
  attribution<T>(send: () => Promise<T>): Promise<T> {
    this.gate.enter();
    let sent: Promise<T>;
    try {
      sent = send();
    } catch (e) {
      this.gate.leave();
      throw e;
    }
    return sent.finally(() => this.gate.leave());
  }

  /** Stops the workers, after waiting up to `drainMs` for the requests in flight. */
  async close(drainMs = 0) {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (this.pending.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}

/**
 * The engine for one model, on the pool's worker threads: every request carries the model, and
 * the worker that takes it loads the model first if it is not loaded (engine-worker.ts keeps the
 * models in use, least recently used out).
 */
export class ModelEngine implements Engine {
  constructor(
    protected readonly threads: WorkerThreads,
    /** Absent: the workers' default model. */
    readonly model: ModelRef | undefined,
    public info: ModelInfo,
  ) {}

  private send<K extends RequestType>(command: WorkerRequest<K> & { type: K }, hooks?: RequestHooks): Promise<WorkerReplies[K]> {
    return this.threads.request(this.model ? { ...command, model: this.model } : command, hooks);
  }

  decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
    const copy = new Uint8Array(bytes);
    return this.send({ type: 'decode', bytes: copy }, { transfer: [copy.buffer] });
  }

  predict(pixels: Float32Array, top = 5): Promise<Prediction[]> {
    return this.send({ type: 'predict', pixels, top });
  }

  /**
   * Compiles (or loads from the graph cache) a layer's graphs in a worker, e.g. while the caller
   * decodes the image; a `run` sent after it waits for it. With several workers only the least
   * busy one prepares.
   */
  prepare(layer: string): Promise<LayerPreparation> {
    return this.threads.attribution(() => this.send({ type: 'prepare', layer }));
  }

  run(
    pixels: Float32Array,
    request: AttributionRequest,
    onSnapshot: SnapshotListener = () => undefined,
    signal?: AbortSignal,
    checkpoints: RunCheckpoints = {},
  ): Promise<RunResult> {
    const { resumeFrom, intervalMs: checkpointIntervalMs } = checkpoints;
    return this.threads.attribution(() =>
      this.send(
        { type: 'run', pixels, request, resumeFrom, checkpointIntervalMs },
        { onSnapshot, signal, cancelled: 'The job was cancelled.' },
      ),
    );
  }

  runLayers(
    pixels: Float32Array,
    request: AttributionRequest,
    layers: string[],
    listener: LayersListener,
    signal?: AbortSignal,
    checkpoints: LayersCheckpoints = {},
  ): Promise<RunPhases> {
    const { resumeFrom: resume, intervalMs: checkpointIntervalMs } = checkpoints;
    return this.threads.attribution(() =>
      this.send(
        { type: 'runLayers', pixels, request, layers, resume, checkpointIntervalMs },
        { onLayers: listener, signal, cancelled: 'The job was cancelled.' },
      ),
    );
  }

  renderSprites(
    request: RenderSpritesRequest,
    onSprite: (s: SpriteMessage) => void,
    onStep?: (step: number, steps: number, at: number) => void,
    signal?: AbortSignal,
  ): Promise<number> {
    return this.send({ type: 'render', request }, { onSprite, onRenderStep: onStep, signal, cancelled: 'The render was cancelled.' });
  }

  composeSpritemap(request: ComposeRequest): Promise<ComposedSpritemap> {
    return this.send({ type: 'compose', request });
  }

  datasetExamples(request: ExamplesRequest): Promise<ChannelExamples> {
    return this.send({ type: 'examples', request });
  }

  /** Neuron groups of an image at a layer (NMF in the worker), with the linear attribution to each when a score is given. */
  neuronGroups(pixels: Float32Array, request: GroupsRequest): Promise<GroupsReply> {
    return this.send({ type: 'groups', pixels, request });
  }

  /** The semantic dictionary of every position of a layer (one forward pass). */
  semanticDictionary(pixels: Float32Array, request: DictionaryRequest): Promise<DictionaryGrid> {
    return this.send({ type: 'dictionary', pixels, request });
  }

  /** Class-to-position attribution by gradient x activation at a layer. */
  classSpatialAttribution(pixels: Float32Array, request: ClassSpatialRequest): Promise<SpatialAttributionMap> {
    return this.send({ type: 'classSpatial', pixels, request });
  }

  /** Layer-to-layer spatial attribution (one backward pass per target position); `onProgress` after each batch of targets. */
  layerToLayerAttribution(
    pixels: Float32Array,
    request: LayerToLayerRequest,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<LayerToLayerMaps> {
    return this.send(
      { type: 'layerToLayer', pixels, request },
      { onProgress, signal, cancelled: 'The layer-to-layer attribution was cancelled.' },
    );
  }

  /**
   * Feature visualizations of neuron groups' channel factors, one batch. Like a sprite render it
   * waits between steps while attribution runs; `onStep` hears each step (with the worker's clock).
   */
  groupIcons(
    request: GroupIconsRequest,
    onStep?: (step: number, steps: number, at: number) => void,
    signal?: AbortSignal,
  ): Promise<GroupIconsReply> {
    return this.send({ type: 'groupIcons', request }, { onRenderStep: onStep, signal, cancelled: 'The icon render was cancelled.' });
  }
}

/**
 * Engine workers behind one small API. The main thread only routes messages: decoding, forward
 * passes and gradients all run in worker threads (the tfjs wasm build has no threads of its own,
 * so a pool occupies the cores). The pool is the engine of its default model (the built-in
 * GoogLeNet, or the CLI's --model); `forModel` gives any other model's on the same threads.
 */
export class EnginePool extends ModelEngine {
  private constructor(
    threads: WorkerThreads,
    /** The model requests run on when they name none. */
    readonly defaultModel: ModelRef,
    info: ModelInfo,
  ) {
    super(threads, undefined, info);
  }

  static async start(options: PoolOptions = {}): Promise<EnginePool> {
    const backend = options.backend ?? 'auto';
    const size = options.size ?? (backend === 'tfjs' ? availableParallelism() : 1);
    const defaultModel = defaultModelOf(options);
    const threads = new WorkerThreads({
      ...options.executor,
      backend,
      modelDir: options.modelDir ?? (defaultModel.format === 'builtin' ? defaultModel.path : undefined),
      maxModelBytes: options.maxModelBytes ?? options.model?.maxBytes,
      allowUnknownWeights: options.allowUnknownWeights,
      defaultModel,
      modelsInMemory: options.modelsInMemory ?? DEFAULT_MODELS_IN_MEMORY,
      nice: options.nice,
      size,
    });
    try {
      const infos = await Promise.all(Array.from({ length: size }, () => threads.spawn()));
      return new EnginePool(threads, defaultModel, modelInfo(defaultModel, infos[0]));
    } catch (e) {
      await threads.close();
      throw e;
    }
  }

  get size() {
    return this.threads.slots.length;
  }

  /**
   * The engine of `model`: one worker loads it (an unloadable model rejects here, with the
   * engine's message) and describes it; the others load it when a request first needs it.
   */
  async forModel(model: ModelRef): Promise<ModelEngine> {
    if (modelKey(model) === modelKey(this.defaultModel)) return this;
    const ready = await this.threads.request({ type: 'load', model });
    return new ModelEngine(this.threads, model, modelInfo(model, ready));
  }

  /**
   * Reads and checks the model at `path` as loading it would, and describes it; nothing stays
   * loaded. In a thread of its own at the lowest priority (inspect-worker.ts): not on the event
   * loop, and not on an engine thread, whose running jobs keep their pace.
   */
  inspect(path: string): Promise<WorkerReady> {
    const { defaultModel: _d, modelsInMemory: _m, nice: _n, size: _s, ...options } = this.threads.options;
    const work: InspectWork = { path, options: { ...options, threads: 1 } };
    const worker = workerThread('inspect-worker', work as unknown as Record<string, unknown>);
    return new Promise<WorkerReady>((resolve, reject) => {
      worker.once('message', (r: InspectReply) => (r.error ? reject(fromWire(r.error)) : resolve(r.description!)));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`The model check stopped (exit code ${code}) before it answered.`)));
    }).finally(() => void worker.terminate());
  }

  /** Each worker's loaded models (their keys), least recently used first. */
  loadedModels(): Promise<string[][]> {
    return Promise.all(this.threads.slots.map((slot) => this.threads.request({ type: 'loaded' }, {}, slot)));
  }

  /** Unloads model `id` from every worker (after a delete). */
  async forget(modelId: string): Promise<void> {
    await Promise.all(this.threads.slots.map((slot) => this.threads.request({ type: 'forget', modelId }, {}, slot)));
  }

  /**
   * Stops the workers. With `drainMs`, waits up to that long for the requests in flight first
   * (cancelled ones stop after their step): a worker terminated inside an ONNX Runtime call
   * aborted the whole process ("terminate called after throwing an instance of 'Napi::Error'",
   * SIGABRT) when SIGTERM came during a spritemap render.
   */
  close(drainMs = 0) {
    return this.threads.close(drainMs);
  }
}

/** The pool's default model: the CLI's --model, else the built-in GoogLeNet. */
function defaultModelOf(options: PoolOptions): ModelRef {
  if (options.model) {
    const { path, ...choice } = options.model;
    return { id: basename(path).replace(/\.onnx$/i, ''), path, format: 'onnx', fingerprint: fingerprintOf(path), choice };
  }
  const path = options.modelDir ?? locateModelDir();
  return { id: BUILTIN_MODEL_ID, path, format: 'builtin', fingerprint: fingerprintOf(path) };
}

function modelInfo(ref: ModelRef, d: WorkerReady): ModelInfo {
  return {
    id: ref.id,
    key: modelKey(ref),
    builtin: ref.format === 'builtin',
    name: d.name,
    backend: d.backend,
    inputSize: d.inputSize,
    layers: d.layers,
    labels: Labels.parse(d.labelsText),
    source: d.source,
  };
}
