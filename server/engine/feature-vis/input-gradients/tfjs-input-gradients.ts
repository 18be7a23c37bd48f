import { EngineError } from '../../../errors/engine-error.js';
import { tf, type Tf } from '../../executors/tfjs-backend.js';
import type { TfjsExecutor } from '../../executors/tfjs.js';
import { subgraph } from '../../network/network.js';
import { preReluSources } from './pre-relu.js';
import type { ChannelGradients, InputGradientEngine } from './input-gradient-engine.js';
import { channel, objectiveWeights } from '../objective.js';

/**
 * Input gradients with tf.grad over the TfjsExecutor's forward pass: the fallback when ONNX
 * Runtime does not load, and (on the cpu backend) the oracle for the ONNX graph in tests.
 * On wasm, tf.grad's MaxPoolGrad (tfjs 4.22) sends ties to the last maximum and drops windows
 * whose maximum is <= 0, unlike TensorFlow's CPU kernel. Neither reaches this objective: every max-pool below a mixed layer reads ReLU
 * (or LRN-of-ReLU) output, so a window with maximum <= 0 is all zeros, whose gradient the ReLU
 * underneath blocks anyway, and exact ties between positive values do not occur in practice on
 * smooth images (test/server/engine/feature-vis/input-gradients/input-gradients.test.ts compares wasm with cpu).
 */
export class TfjsInputGradients implements InputGradientEngine {
  constructor(private readonly executor: TfjsExecutor) {}

  get backend() {
    return this.executor.backend;
  }

  get layers() {
    return this.executor.network.layers;
  }

  async channelGradients(layer: string, size: number, images: Float32Array, channels: number[]): Promise<ChannelGradients> {
    return this.objectiveGradients(
      layer,
      size,
      images,
      objectiveWeights(
        layer,
        channels.map((c) => channel(layer, c)),
        this.executor.network.layers,
      ),
    );
  }

  async objectiveGradients(layer: string, size: number, images: Float32Array, weights: Float32Array): Promise<ChannelGradients> {
    const net = this.executor.network;
    const info = net.layers.find((l) => l.name === layer);
    if (!info) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
    const batch = weights.length / info.channels;
    if (!Number.isInteger(batch) || images.length !== batch * size * size * 3) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `Images must hold ${batch}x${size}x${size}x3 values and weights ${info.channels} per image; got ${images.length} and ${weights.length}.`,
      );
    }
    const nodes = subgraph(net, 'input', layer);
    const sources = preReluSources(net, layer);
    const [objectives, activations, grads] = tf.tidy(() => {
      const w = tf.tensor4d(weights, [batch, 1, 1, info.channels]);
      // Per-item weighted channel means; the items are independent, so the gradient of their sum is per item.
      const weighted = (v: Tf.Tensor) => tf.sum(tf.mul(tf.mean(v, [1, 2], true), w), [1, 2, 3]);
      const x = tf.tensor4d(images, [batch, size, size, 3]);
      let items: Tf.Tensor[] = [];
      const grad = tf.grad((t: Tf.Tensor) => {
        const v = this.executor.forward(nodes, new Map([['input', t]]));
        const pre =
          sources.length === 1
            ? v.get(sources[0])!
            : tf.concat(
                sources.map((n) => v.get(n)!),
                -1,
              );
        // Kept, so the forward's tidy scope does not dispose the per-item values we return.
        items = [tf.keep(weighted(pre)), tf.keep(weighted(v.get(layer)!))];
        return tf.sum(items[0]);
      })(x);
      return [items[0], items[1], grad];
    });
    const [o, a, g] = await Promise.all([objectives.data(), activations.data(), grads.data()]);
    tf.dispose([objectives, activations, grads]);
    return { objectives: o as Float32Array, activations: a as Float32Array, grads: g as Float32Array };
  }

  async dispose() {}
}
