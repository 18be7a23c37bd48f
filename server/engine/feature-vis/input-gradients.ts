/**
 * What feature visualization needs from an engine: for a batch of images, each paired with one
 * channel of `layer`, that channel's mean activation and its gradient with respect to the pixels.
 */
export interface ChannelGradients {
  /** The optimized objective: the channel's mean over space *before* its ReLU (pre-relu.ts), per item. */
  objectives: Float32Array;
  /** The channel's mean activation (after the ReLU, the layer's own value), per item. */
  activations: Float32Array;
  /** dObjective_b/dImage_b, NHWC [B, size, size, 3], per unit of the 0..255 pixel scale. */
  grads: Float32Array;
}

export interface InputGradientEngine {
  readonly backend: string;
  /** `images` are [B, size, size, 3], RGB 0..255 (the network's input contract); B = channels.length. */
  channelGradients(layer: string, size: number, images: Float32Array, channels: number[]): Promise<ChannelGradients>;
  dispose(): Promise<void>;
}
