import { cpus } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../errors/engine-error.js';
import { OnnxWeights } from '../executors/onnx-compiler/weights.js';
import { withInputSize, type Network } from '../network/network.js';
import { compileInputGradientGraph } from './input-gradient-graph.js';
import type { ChannelGradients, InputGradientEngine } from './input-gradients.js';
import { channel, objectiveWeights } from './objective.js';

/**
 * Input gradients on ONNX Runtime: one compiled graph (forward to the layer, objective, backward
 * to the pixels) per (layer, size), with a dynamic batch. Chosen over tf.grad on tfjs-wasm
 * because its conv backward is ~10x slower than a forward conv there (DESIGN.md), and ORT's
 * ConvTranspose and flipped-kernel convs run at forward speed (bench/feature-vis.ts).
 */
export class OnnxInputGradients implements InputGradientEngine {
  readonly backend = 'onnxruntime-cpu';
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  private readonly weights: OnnxWeights;

  private constructor(private readonly ort: typeof Ort, readonly network: Network, private readonly threads: number) {
    this.weights = new OnnxWeights(network);
  }

  static async create(network: Network, options: { threads?: number } = {}): Promise<OnnxInputGradients> {
    let ort: typeof Ort;
    try {
      ort = await import('onnxruntime-node');
    } catch (e) {
      throw new EngineError('BACKEND_UNAVAILABLE', `onnxruntime-node does not load here (${(e as Error).message}); feature visualization falls back to tfjs.`);
    }
    return new OnnxInputGradients(ort, network, options.threads ?? cpus().length);
  }

  private session(layer: string, size: number) {
    const key = `${layer}@${size}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = (async () => {
        const bytes = compileInputGradientGraph(withInputSize(this.network, size), layer, this.weights);
        return this.ort.InferenceSession.create(bytes, {
          executionProviders: ['cpu'], intraOpNumThreads: this.threads, interOpNumThreads: 1,
          executionMode: 'sequential', graphOptimizationLevel: 'all',
          // No spinning idle threads: on a shared 2-core machine they starve the event loop and other jobs (session-cache.ts).
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
      })();
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  get layers() {
    return this.network.layers;
  }

  async channelGradients(layer: string, size: number, images: Float32Array, channels: number[]): Promise<ChannelGradients> {
    return this.objectiveGradients(layer, size, images, objectiveWeights(layer, channels.map((c) => channel(layer, c)), this.network.layers));
  }

  async objectiveGradients(layer: string, size: number, images: Float32Array, weights: Float32Array): Promise<ChannelGradients> {
    const info = this.network.layers.find((l) => l.name === layer);
    if (!info) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
    const batch = weights.length / info.channels;
    if (!Number.isInteger(batch) || images.length !== batch * size * size * 3) {
      throw new EngineError('BAD_ARGUMENT', `Images must hold ${batch}x${size}x${size}x3 values and weights ${info.channels} per image; got ${images.length} and ${weights.length}.`);
    }
    const session = await this.session(layer, size);
    const out = await session.run({
      image: new this.ort.Tensor('float32', images, [batch, size, size, 3]),
      channel_weights: new this.ort.Tensor('float32', weights, [batch, info.channels]),
    });
    return { objectives: out.objective.data as Float32Array, activations: out.activation.data as Float32Array, grads: out.grad.data as Float32Array };
  }

  async dispose() {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release();
  }
}
