import type { LayerInfo } from '../../network/network.js';

/**
 * What feature visualization needs from an engine: for a batch of images, each paired with one
 * objective on `layer` (a channel, or a direction over its channels: ../objective.ts), the
 * objective's value and its gradient with respect to the pixels.
 */
export interface ChannelGradients {
  /** The optimized objective: the weighted channel mean over space *before* the ReLUs (pre-relu.ts), per item. */
  objectives: Float32Array;
  /** The same weighted mean of the layer itself (after its ReLUs: for a channel, its mean activation), per item. */
  activations: Float32Array;
  /** dObjective_b/dImage_b, NHWC [B, size, size, 3], per unit of the 0..255 pixel scale. */
  grads: Float32Array;
}

export interface InputGradientEngine {
  readonly backend: string;
  readonly layers: readonly LayerInfo[];
  /**
   * `images` are [B, size, size, 3], RGB 0..255 (the network's input contract); `weights` are
   * [B, channels of the layer]: item b maximizes sum_c weights[b, c] * mean_hw preRelu_c.
   */
  objectiveGradients(layer: string, size: number, images: Float32Array, weights: Float32Array): Promise<ChannelGradients>;
  /** The same with one channel per item (one-hot weights); B = channels.length. */
  channelGradients(layer: string, size: number, images: Float32Array, channels: number[]): Promise<ChannelGradients>;
  dispose(): Promise<void>;
}
