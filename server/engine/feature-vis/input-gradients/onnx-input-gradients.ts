import { cpus } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../../errors/engine-error.js';
import { OnnxWeights } from '../../executors/onnx-compiler/weights.js';
import { withInputSize, type Network } from '../../network/network.js';
import { InputGradientThread, type ThreadOutputs } from './input-gradient-thread.js';
import { compileInputGradientGraph } from './input-gradient-graph.js';
import type { ChannelGradients, InputGradientEngine } from './input-gradient-engine.js';
import { findLayer, type LayerInfo } from '../../layer-info.js';

/** A model's input-gradient graphs, one per (layer, input size); see input-gradient-graph.ts for their inputs and outputs. */
export interface InputGradientSource {
  layers: LayerInfo[];
  graph(layer: string, size: number): Uint8Array;
  /** 1 where the graph cannot take a batch (each image then runs alone). */
  maxBatch?: number;
}
import { channel, objectiveWeights } from '../objective.js';

/**
 * Input gradients on ONNX Runtime: one compiled graph (forward to the layer, objective, backward
 * to the pixels) per (layer, size), with a dynamic batch. Chosen over tf.grad on tfjs-wasm
 * because its conv backward is ~10x slower than a forward conv there, and ORT's ConvTranspose
 * and flipped-kernel convs run at forward speed (bench/feature-vis.ts, with `--tfjs` for tf.grad).
 *
 * A batch of two or more is split into one lane per thread, run at once: this thread's
 * single-threaded session takes the first share, a helper thread each (input-gradient-thread.ts) the
 * others. A batch of one runs on a session with every thread.
 */
export class OnnxInputGradients implements InputGradientEngine {
  readonly backend = 'onnxruntime-cpu';
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private readonly laned = new Map<string, Promise<{ local: Ort.InferenceSession; helpers: InputGradientThread[] }>>();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly source: InputGradientSource,
    private readonly threads: number,
    private readonly splitLanes: boolean,
  ) {}

  /** `lanes: false` runs every batch on one session with all `threads` (bench/feature-vis.ts compares the two). */
  static async create(network: Network, options: { threads?: number; lanes?: boolean } = {}): Promise<OnnxInputGradients> {
    const weights = new OnnxWeights(network);
    return OnnxInputGradients.over(
      { layers: network.layers, graph: (layer, size) => compileInputGradientGraph(withInputSize(network, size), layer, weights) },
      options,
    );
  }

  /** The same over any model's input-gradient graphs (an imported model's: onnx-import/compile-input-gradient.ts). */
  static async over(source: InputGradientSource, options: { threads?: number; lanes?: boolean } = {}): Promise<OnnxInputGradients> {
    let ort: typeof Ort;
    try {
      ort = await import('onnxruntime-node');
    } catch (e) {
      throw new EngineError(
        'BACKEND_UNAVAILABLE',
        `onnxruntime-node does not load here (${(e as Error).message}); feature visualization falls back to tfjs.`,
      );
    }
    return new OnnxInputGradients(ort, source, options.threads ?? cpus().length, options.lanes ?? true);
  }

  private options(threads: number): Ort.InferenceSession.SessionOptions {
    return {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // No spinning idle threads: on a shared 2-core machine they starve the event loop and other jobs (session-cache.ts).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
  }

  private graph(layer: string, size: number) {
    return this.source.graph(layer, size);
  }

  private cached<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let s = map.get(key);
    if (!s) {
      s = make();
      map.set(key, s);
      s.catch(() => map.delete(key));
    }
    return s;
  }

  private session(layer: string, size: number) {
    return this.cached(this.sessions, `${layer}@${size}`, () =>
      this.ort.InferenceSession.create(this.graph(layer, size), this.options(this.threads)),
    );
  }

  private lanes(layer: string, size: number) {
    return this.cached(this.laned, `${layer}@${size}`, async () => {
      const bytes = this.graph(layer, size);
      const options = this.options(1);
      const [local, ...helpers] = await Promise.all([
        this.ort.InferenceSession.create(bytes, options),
        ...Array.from({ length: this.threads - 1 }, () => InputGradientThread.start(bytes, options)),
      ]);
      return { local: local as Ort.InferenceSession, helpers: helpers as InputGradientThread[] };
    });
  }

  get layers() {
    return this.source.layers;
  }

  async channelGradients(layer: string, size: number, images: Float32Array, channels: number[]): Promise<ChannelGradients> {
    return this.objectiveGradients(
      layer,
      size,
      images,
      objectiveWeights(
        layer,
        channels.map((c) => channel(layer, c)),
        this.source.layers,
      ),
    );
  }

  async objectiveGradients(layerIn: string, size: number, images: Float32Array, weights: Float32Array): Promise<ChannelGradients> {
    const info = findLayer(this.source.layers, layerIn);
    if (!info) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layerIn}".`);
    const layer = info.name;
    const batch = weights.length / info.channels;
    if (!Number.isInteger(batch) || images.length !== batch * size * size * 3) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `Images must hold ${batch}x${size}x${size}x3 values and weights ${info.channels} per image; got ${images.length} and ${weights.length}.`,
      );
    }
    if (this.source.maxBatch === 1 && batch > 1) return this.oneByOne(layer, size, images, weights, batch, info.channels);
    const lanes = this.splitLanes ? Math.min(this.threads, batch) : 1;
    if (lanes <= 1) {
      const out = await this.run(await this.session(layer, size), images, weights, batch, size, info.channels);
      return { objectives: out.objective, activations: out.activation, grads: out.grad };
    }
    let lanesNow = await this.lanes(layer, size);
    if (lanesNow.helpers.some((h) => !h.alive)) {
      // A helper thread died (during an earlier batch, which failed): start fresh lanes.
      this.laned.delete(`${layer}@${size}`);
      await disposeLanes(lanesNow);
      lanesNow = await this.lanes(layer, size);
    }
    const { local, helpers } = lanesNow;
    // Lane k takes items [start_k, start_k + count_k): shares as even as the batch allows.
    const counts = Array.from({ length: lanes }, (_, k) => Math.floor(batch / lanes) + (k < batch % lanes ? 1 : 0));
    const starts = counts.map((_, k) => counts.slice(0, k).reduce((a, n) => a + n, 0));
    const px = size * size * 3;
    const part = (k: number) =>
      [
        images.subarray(starts[k] * px, (starts[k] + counts[k]) * px),
        weights.subarray(starts[k] * info.channels, (starts[k] + counts[k]) * info.channels),
      ] as const;
    const away = helpers.slice(0, lanes - 1).map((lane, k) => lane.run(...part(k + 1), counts[k + 1], size, info.channels));
    // Handled now, awaited below: a lane that fails while this thread runs is not an unhandled rejection.
    for (const p of away) p.catch(() => undefined);
    // This thread's run blocks it while the helpers run theirs.
    const here = await this.run(local, ...part(0), counts[0], size, info.channels).catch(async (e) => {
      await Promise.allSettled(away);
      throw e;
    });
    const all = [here, ...(await Promise.all(away))];
    const join = (key: keyof ThreadOutputs) => {
      const out = new Float32Array(all.reduce((n, o) => n + o[key].length, 0));
      all.reduce((at, o) => (out.set(o[key], at), at + o[key].length), 0);
      return out;
    };
    return { objectives: join('objective'), activations: join('activation'), grads: join('grad') };
  }

  /** A model whose graph cannot take a batch: each item alone, in order. */
  private async oneByOne(layer: string, size: number, images: Float32Array, weights: Float32Array, batch: number, channels: number) {
    const parts: ChannelGradients[] = [];
    const px = size * size * 3;
    for (let b = 0; b < batch; b++) {
      parts.push(
        await this.objectiveGradients(
          layer,
          size,
          images.subarray(b * px, (b + 1) * px),
          weights.subarray(b * channels, (b + 1) * channels),
        ),
      );
    }
    const join = (key: keyof ChannelGradients) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p[key].length, 0));
      parts.reduce((at, p) => (out.set(p[key], at), at + p[key].length), 0);
      return out;
    };
    return { objectives: join('objectives'), activations: join('activations'), grads: join('grads') };
  }

  private async run(
    session: Ort.InferenceSession,
    images: Float32Array,
    weights: Float32Array,
    batch: number,
    size: number,
    channels: number,
  ): Promise<ThreadOutputs> {
    const out = await session.run({
      image: new this.ort.Tensor('float32', images, [batch, size, size, 3]),
      channel_weights: new this.ort.Tensor('float32', weights, [batch, channels]),
    });
    return {
      objective: out.objective.data as Float32Array,
      activation: out.activation.data as Float32Array,
      grad: out.grad.data as Float32Array,
    };
  }

  async dispose() {
    const all = [...this.sessions.values()];
    const laned = [...this.laned.values()];
    this.sessions.clear();
    this.laned.clear();
    for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release();
    for (const s of await Promise.allSettled(laned)) if (s.status === 'fulfilled') await disposeLanes(s.value);
  }
}

async function disposeLanes(l: { local: Ort.InferenceSession; helpers: InputGradientThread[] }) {
  await l.local.release();
  await Promise.all(l.helpers.map((h) => h.terminate()));
}
