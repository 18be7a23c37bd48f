import { EngineError } from '../../errors/engine-error.js';
import { streamFor } from '../seeded-random.js';
import { Adam } from './adam.js';
import { toValidRgb, toValidRgbBackward } from './color.js';
import { FftImage } from './fft-image.js';
import type { InputGradientEngine } from './input-gradients/input-gradient-engine.js';
import { channel, isChannel, objectiveWeights, streamIndex, type Objective } from './objective.js';
import { standardTransforms, transformedSize, type Transform, type Transformed } from './transforms.js';

/** Lucid's render_vis learning rate for Adam. */
export const LEARNING_RATE = 0.05;

export interface RenderRequest {
  layer: string;
  /** One visualization per channel, optimized together as one batch ... */
  channels?: number[];
  /** ... or per objective (a channel or a direction on `layer`, objective.ts). */
  objectives?: Objective[];
  /** Side of the square sprite, px (even). */
  size: number;
  steps: number;
  seed: number;
  learningRate?: number;
  transform?: Transform;
}

export interface RenderedSprite {
  /** The channel, for a channel objective; -1 for a direction. */
  channel: number;
  objective: Objective;
  size: number;
  /** RGB, 8 bits, row-major: size * size * 3 bytes. */
  rgb: Uint8Array;
  /** The channel's mean activation (after its ReLU; for a direction, the weighted mean) on the finished sprite, untransformed, at `size` px. */
  activation: number;
  /** ... and on the start image (grey plus faint noise). */
  startActivation: number;
  /** The optimized objective, the channel's mean before its ReLU, on the finished sprite. */
  objectiveValue: number;
}

export interface RenderHooks {
  signal?: AbortSignal;
  onStep?: (step: number, steps: number) => void;
  /** Awaited before every step: where a low-priority render waits while other work runs. */
  beforeStep?: () => Promise<void> | void;
}

/** Standard normal draws from a uniform stream (Box-Muller). */
function normals(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Feature visualization by optimization (Lucid's `render.render_vis` with
 * `param.image(size, fft=True, decorrelate=True)` and the standard transforms): each channel's
 * image is optimized by Adam to maximize that channel's mean activation (or a direction's). Every
 * objective has its own random stream (seed, channel or key), so a sprite does not depend on which
 * objectives share its batch: a resumed render gives the sprites an uninterrupted one would.
 */
export async function renderChannels(
  engine: InputGradientEngine,
  request: RenderRequest,
  hooks: RenderHooks = {},
): Promise<RenderedSprite[]> {
  const { layer, size, steps } = request;
  const objectives = request.objectives ?? (request.channels ?? []).map((c) => channel(layer, c));
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000)
    throw new EngineError('BAD_STEPS', `Steps must be an integer from 1 to 10000, got ${steps}.`);
  if (!Number.isInteger(size) || size < 32 || size > 512 || size % 2)
    throw new EngineError('BAD_ARGUMENT', `A sprite size must be an even integer from 32 to 512 px, got ${size}.`);
  if (objectives.length === 0) return [];
  const weights = objectiveWeights(layer, objectives, engine.layers);
  const transform = request.transform ?? standardTransforms;
  const inputSize = transformedSize(transform, size);
  const param = new FftImage(size, size);
  const perItem = 3 * param.paramsPerChannel;
  const B = objectives.length;
  const randoms = objectives.map((o) => streamFor(request.seed, streamIndex(o)));
  const params = new Float32Array(B * perItem);
  objectives.forEach((_, b) => params.set(param.initialParams(3, normals(randoms[b])), b * perItem));
  const adam = new Adam(params.length, request.learningRate ?? LEARNING_RATE);
  const pixels = size * size;
  const imageValues = pixels * 3;
  // Reused every step: the whole batch goes through each stage at once (fft-image.ts, color.ts).
  const decorrelated = new Float32Array(B * imageValues);
  const rgb = new Float32Array(B * imageValues);
  const dRgb = new Float32Array(B * imageValues);
  const dParams = new Float32Array(params.length);

  const images = () => {
    param.toSpatial(params, 3 * B, decorrelated);
    return toValidRgb(decorrelated, pixels, rgb);
  };
  const measure = async (image: Float32Array) =>
    engine.objectiveGradients(
      layer,
      size,
      image.map((v) => v * 255),
      weights,
    );
  const one = (data: Float32Array, b: number, side: number) => data.subarray(b * side * side * 3, (b + 1) * side * side * 3);

  const start = await measure(images());
  const inPixels = inputSize * inputSize * 3;
  const batch = new Float32Array(B * inPixels);
  for (let step = 0; step < steps; step++) {
    await hooks.beforeStep?.();
    if (hooks.signal?.aborted)
      throw new EngineError('CANCELLED', `Rendering ${objectives.map((o) => o.describe).join(', ')} was cancelled at step ${step}.`);
    images();
    const applied: Transformed[] = [];
    for (let b = 0; b < B; b++) {
      const t = transform({ width: size, height: size, data: one(rgb, b, size) }, randoms[b]);
      applied.push(t);
      const d = t.image.data;
      // The network sees 0..255; the image lives in 0..1.
      for (let i = 0, o = b * inPixels; i < inPixels; i++, o++) batch[o] = d[i] * 255;
    }
    const { grads } = await engine.objectiveGradients(layer, inputSize, batch, weights);
    for (let i = 0; i < grads.length; i++) grads[i] *= 255;
    for (let b = 0; b < B; b++)
      dRgb.set(applied[b].backward({ width: inputSize, height: inputSize, data: one(grads, b, inputSize) }).data, b * imageValues);
    param.spatialGradToParams(toValidRgbBackward(rgb, dRgb, pixels, decorrelated), 3 * B, dParams);
    adam.ascend(params, dParams);
    hooks.onStep?.(step + 1, steps);
  }

  const finalRgb = images();
  const end = await measure(finalRgb);
  return objectives.map((o, b) => ({
    channel: isChannel(o) ? o.channel : -1,
    objective: o,
    size,
    rgb: Uint8Array.from(one(finalRgb, b, size), (v) => Math.round(v * 255)),
    activation: end.activations[b],
    startActivation: start.activations[b],
    objectiveValue: end.objectives[b],
  }));
}
