import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT, RUNNING_FROM_SOURCE } from '../repo-root.js';
import { EngineError } from '../errors/engine-error.js';
import type { AttributionRequest, AttributionResult, Snapshot } from '../engine/attribution/types.js';
import type { DecodedImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import { parseBackendChoice, type BackendChoice } from '../engine/executors/index.js';
import type { LayerInfo } from '../engine/network/network.js';
import type { ClassSpatialRequest, DictionaryGrid, DictionaryRequest, GroupsReply, GroupsRequest, SpatialAttributionMap } from '../engine/groups/requests.js';
import type { ChannelExamples, ComposeRequest, ExamplesRequest, RenderSpritesRequest, SpriteMessage } from '../spritemaps/types.js';
import type { LayerPreparation, Prediction, RunResult, WireError, WorkerCommand, WorkerEvent, WorkerOptions, WorkerReady } from './protocol.js';

export interface PoolOptions {
  /** Worker threads; defaults to ENGINE_WORKERS, else one per core for tfjs and one (multi-threaded) for ONNX. */
  size?: number;
  backend?: BackendChoice;
  modelDir?: string;
}

export interface ModelInfo {
  name: string;
  backend: string;
  inputSize: number;
  layers: LayerInfo[];
  labels: Labels;
}

interface Pending {
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  onSnapshot?: SnapshotListener;
  onSprite?: (s: SpriteMessage) => void;
  slot: Slot;
}

/** Sees each chunk's snapshot and, beside it, the running spatial map (NHWC, rescaled like the values). */
export type SnapshotListener = (snapshot: Snapshot, spatial?: Float32Array) => void;

interface Slot {
  worker: Worker;
  active: number;
}

const fromWire = (e: WireError) => (e.code === 'INTERNAL' ? new Error(e.message) : EngineError.fromJSON(e as any));
// From sources (tsx, vitest) the worker registers tsx first; from a dist/ bundle it starts the worker's bundle.
const BOOTSTRAP = RUNNING_FROM_SOURCE ? new URL('./ts-worker-bootstrap.mjs', import.meta.url) : pathToFileURL(join(REPO_ROOT, 'dist', 'server', 'workers', 'engine-worker.js'));
const ENTRY = new URL('./engine-worker.ts', import.meta.url).href;

/**
 * Engine workers behind one small API. The main thread only routes messages: decoding, forward
 * passes and gradients all run in worker threads (the tfjs wasm build has no threads of its own,
 * so a pool occupies the cores). A worker that exits is replaced; its requests fail.
 */
export class EnginePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  info!: ModelInfo;

  private constructor(private readonly options: Required<Omit<PoolOptions, 'modelDir'>> & { modelDir?: string }) {}

  static async start(options: PoolOptions = {}): Promise<EnginePool> {
    const backend = options.backend ?? parseBackendChoice(process.env.ENGINE_BACKEND);
    const cores = availableParallelism();
    const size = options.size ?? (Number(process.env.ENGINE_WORKERS) || (backend === 'tfjs' ? cores : 1));
    const pool = new EnginePool({ size, backend, modelDir: options.modelDir ?? process.env.MODEL_DIR });
    try {
      const infos = await Promise.all(Array.from({ length: size }, () => pool.spawn()));
      const first = infos[0];
      pool.info = { name: first.name, backend: first.backend, inputSize: first.inputSize, layers: first.layers, labels: Labels.parse(first.labelsText) };
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size() {
    return this.slots.length;
  }

  private spawn(): Promise<WorkerReady> {
    const cores = availableParallelism();
    const threads = Math.max(1, Math.floor(cores / this.options.size));
    const workerOptions: WorkerOptions = { backend: this.options.backend, modelDir: this.options.modelDir, threads };
    const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY, options: workerOptions } });
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
      p.onSnapshot?.(e.snapshot, e.spatial);
      return;
    }
    if (e.type === 'sprite') {
      p.onSprite?.(e.sprite);
      return;
    }
    this.pending.delete(e.id);
    p.slot.active--;
    if (e.type === 'done') p.resolve(e.value);
    else p.reject(fromWire(e.error));
  }

  private request<T>(make: (id: number) => WorkerCommand, transfer: ArrayBuffer[] = [], onSnapshot?: SnapshotListener): { id: number; slot: Slot; promise: Promise<T> } {
    if (this.closed) throw new Error('The engine pool is closed.');
    if (this.slots.length === 0) throw new Error('No engine worker is running.');
    const slot = this.slots.reduce((a, b) => (b.active < a.active ? b : a));
    const id = this.nextId++;
    slot.active++;
    const promise = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve, reject, onSnapshot, slot }));
    slot.worker.postMessage(make(id), transfer);
    return { id, slot, promise };
  }

  /** PNG/JPEG bytes to the 224x224 network input; rejects with BAD_IMAGE. */
  decodeImage(bytes: Uint8Array): Promise<DecodedImage> {
    const copy = new Uint8Array(bytes);
    return this.request<DecodedImage>((id) => ({ type: 'decode', id, bytes: copy }), [copy.buffer]).promise;
  }

  predict(pixels: Float32Array, top = 5): Promise<Prediction[]> {
    return this.request<Prediction[]>((id) => ({ type: 'predict', id, pixels, top })).promise;
  }

  /**
   * Compiles (or loads from the graph cache) a layer's graphs in a worker, e.g. while the caller
   * decodes the image; a `run` sent after it waits for it. With several workers only the least
   * busy one prepares.
   */
  prepare(layer: string): Promise<LayerPreparation> {
    return this.request<LayerPreparation>((id) => ({ type: 'prepare', id, layer })).promise;
  }

  /** Runs one attribution; `onSnapshot` sees every chunk. Aborting stops it after the current chunk (CANCELLED). */
  run(pixels: Float32Array, request: AttributionRequest, onSnapshot: SnapshotListener = () => undefined, signal?: AbortSignal): Promise<RunResult> {
    if (signal?.aborted) return Promise.reject(new EngineError('CANCELLED', 'The job was cancelled.'));
    const { id, slot, promise } = this.request<RunResult>((id) => ({ type: 'run', id, pixels, request }), [], onSnapshot);
    const onAbort = () => slot.worker.postMessage({ type: 'cancel', id } satisfies WorkerCommand);
    signal?.addEventListener('abort', onAbort, { once: true });
    return promise.finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Renders channel visualizations; `onSprite` sees each as it finishes. Aborting stops at the next step (CANCELLED). */
  renderSprites(request: RenderSpritesRequest, onSprite: (s: SpriteMessage) => void, signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(new EngineError('CANCELLED', 'The render was cancelled.'));
    const { id, slot, promise } = this.request<number>((id) => ({ type: 'render', id, request }));
    this.pending.get(id)!.onSprite = onSprite;
    const onAbort = () => slot.worker.postMessage({ type: 'cancel', id } satisfies WorkerCommand);
    signal?.addEventListener('abort', onAbort, { once: true });
    return promise.finally(() => signal?.removeEventListener('abort', onAbort));
  }

  /** Lays a spritemap's sprite files out as one grid PNG, in a worker. */
  composeSpritemap(request: ComposeRequest): Promise<{ width: number; height: number; missing: number[] }> {
    return this.request<{ width: number; height: number; missing: number[] }>((id) => ({ type: 'compose', id, request })).promise;
  }

  /** Dataset examples of every channel of a layer (forward passes only). */
  datasetExamples(request: ExamplesRequest): Promise<ChannelExamples> {
    return this.request<ChannelExamples>((id) => ({ type: 'examples', id, request })).promise;
  }

  /** Neuron groups of an image at a layer (NMF in the worker), with the linear attribution to each when a score is given. */
  neuronGroups(pixels: Float32Array, request: GroupsRequest): Promise<GroupsReply> {
    return this.request<GroupsReply>((id) => ({ type: 'groups', id, pixels, request })).promise;
  }

  /** The semantic dictionary of every position of a layer (one forward pass). */
  semanticDictionary(pixels: Float32Array, request: DictionaryRequest): Promise<DictionaryGrid> {
    return this.request<DictionaryGrid>((id) => ({ type: 'dictionary', id, pixels, request })).promise;
  }

  /** Class-to-position attribution by gradient x activation at a layer. */
  classSpatialAttribution(pixels: Float32Array, request: ClassSpatialRequest): Promise<SpatialAttributionMap> {
    return this.request<SpatialAttributionMap>((id) => ({ type: 'classSpatial', id, pixels, request })).promise;
  }

  async close() {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}

export type { Prediction } from './protocol.js';
