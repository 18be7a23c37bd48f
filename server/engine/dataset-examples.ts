import { EngineError } from '../errors/engine-error.js';
import type { Executor } from './executors/executor.js';
import { subgraph, type Network } from './network/network.js';

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
 * Theoretical receptive field (px) of one position of `layer`: along the widest path, each window
 * adds (k-1) times the cumulative stride. Mixed layers' 5x5 branches make it large (mixed4d ~360 px).
 */
export function receptiveField(net: Network, layer: string): number {
  const field = new Map<string, { rf: number; jump: number }>([['input', { rf: 1, jump: 1 }]]);
  for (const n of subgraph(net, 'input', layer)) {
    const ins = n.inputs.map((i) => field.get(i)!);
    const widest = ins.reduce((a, b) => (b.rf > a.rf ? b : a));
    let k = 1;
    let s = 1;
    if (n.op === 'Conv2D') {
      k = net.weights.get(n.params[0])!.shape[0];
      s = n.attrs.strides![0];
    } else if (n.op === 'MaxPool' || n.op === 'AvgPool') {
      k = n.attrs.kernel![0];
      s = n.attrs.strides![0];
    }
    field.set(n.name, { rf: widest.rf + (k - 1) * widest.jump, jump: widest.jump * s });
  }
  return field.get(layer)!.rf;
}

/**
 * The crop side for a layer: half the theoretical receptive field, because the effective field
 * is much smaller (Luo et al. 2016), and never below two cells nor beyond the image.
 */
export function cropSize(net: Network, layer: string): number {
  const h = net.byName.get(layer)!.shape[0];
  const cell = net.inputSize / h;
  return Math.round(Math.min(net.inputSize, Math.max(2 * cell, receptiveField(net, layer) / 2)));
}

/** The top `perChannel` examples of every channel of `layer`, best first; one crop per image. */
export async function datasetExamples(
  executor: Executor,
  images: ExampleImage[],
  layer: string,
  perChannel = 4,
): Promise<DatasetExample[][]> {
  const net = executor.network;
  const info = net.layers.find((l) => l.name === layer);
  if (!info || info.height < 1) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
  const { channels: C, height: H, width: W } = info;
  const side = cropSize(net, layer);
  const cell = net.inputSize / H;
  const perImage: DatasetExample[][] = [];
  for (const img of images) {
    const acts = await executor.activations(img.pixels, layer);
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
