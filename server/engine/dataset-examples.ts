import { EngineError } from '../errors/engine-error.js';
import type { Executor } from './executors/executor.js';
import { resolveLayer } from './layer-info.js';
import { receptiveField, type Network } from './network/network.js';

export { receptiveField };

/**
 * Dataset examples: for a channel, the crops of the example images that activate it most
 * (Olah et al., "Feature Visualization", Distill 2017: the cheap complement to optimization).
 * Forward passes only: one per image gives every channel of the layer.
 */
export interface DatasetExample {
  image: string;
  /** The channel's activation at the crop's centre position (the image's spatial maximum). */
  activation: number;
  /** Square crop in network-input pixels (0..inputSize), centred on that position, kept inside the image. */
  x: number;
  y: number;
  size: number;
}

export interface ExampleImage {
  id: string;
  /** The network input: inputSize x inputSize x 3, RGB 0..255. */
  pixels: Float32Array;
}

/**
 * The crop side for a layer: half the theoretical receptive field, because the effective field
 * is much smaller (Luo et al. 2016), and never below two cells nor beyond the image.
 */
export function cropSize(net: Network, layer: string): number {
  return cropSide(net.inputSize, net.byName.get(layer)!.shape[0], receptiveField(net, layer));
}

/** cropSize from a layer's grid height and receptive field. */
export function cropSide(inputSize: number, height: number, field: number): number {
  const cell = inputSize / height;
  return Math.round(Math.min(inputSize, Math.max(2 * cell, field / 2)));
}

/** The top `perChannel` examples of every channel of `layer`, best first; one crop per image. */
export async function datasetExamples(
  executor: Executor,
  images: ExampleImage[],
  layer: string,
  perChannel = 4,
): Promise<DatasetExample[][]> {
  const net = executor.model;
  const info = resolveLayer(net.layers, layer);
  if (info.height < 1) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
  const { channels: C, height: H, width: W } = info;
  const side = cropSide(net.inputSize, H, info.receptiveField ?? net.inputSize);
  const cell = net.inputSize / H;
  const perImage: DatasetExample[][] = [];
  for (const img of images) {
    const acts = await executor.activations(img.pixels, info.name);
    const best = new Float32Array(C).fill(-Infinity);
    const at = new Int32Array(C);
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < C; c++) {
        const v = acts[p * C + c];
        if (v > best[c]) {
          best[c] = v;
          at[c] = p;
        }
      }
    }
    perImage.push(
      Array.from({ length: C }, (_, c) => {
        const cx = ((at[c] % W) + 0.5) * cell;
        const cy = (Math.floor(at[c] / W) + 0.5) * cell;
        const clamp = (v: number) => Math.round(Math.min(net.inputSize - side, Math.max(0, v - side / 2)));
        return { image: img.id, activation: best[c], x: clamp(cx), y: clamp(cy), size: side };
      }),
    );
  }
  return Array.from({ length: C }, (_, c) =>
    perImage
      .map((ex) => ex[c])
      .sort((a, b) => b.activation - a.activation)
      .slice(0, perChannel),
  );
}
