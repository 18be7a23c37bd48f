import type { DatasetExample } from '../engine/dataset-examples.js';
import type { Engine } from '../engine/engine.js';
import { ATTRIBUTION_LAYERS, type LayerInfo } from '../engine/network/network.js';
import { PromiseCache } from '../promise-cache.js';
import { resolveSettings } from './spritemap-job.js';

/** Dataset examples kept per layer: each costs one forward pass per example image. */
export const EXAMPLES_PER_CHANNEL = 6;

export type DatasetExamplesEngine = Pick<Engine, 'datasetExamples'> & { info: { layers: LayerInfo[] } };

interface ExampleSource {
  examples(): { id: string }[];
  bytes(id: string): { bytes: Buffer } | null;
}

/**
 * The example images that most activate a channel, beside its sprite in the channel detail: a
 * whole layer's examples are computed at once, in a worker, the first time one of its channels
 * is asked for, then cached.
 */
export class DatasetExamplesService {
  /** One entry per layer that was asked for (at most the attribution layers). */
  private readonly examples = new PromiseCache<DatasetExample[][]>(ATTRIBUTION_LAYERS.length);

  constructor(
    private readonly engine: DatasetExamplesEngine,
    private readonly images: ExampleSource,
  ) {}

  /** The top dataset examples of one channel (UNKNOWN_LAYER / BAD_ARGUMENT first). */
  async forChannel(layer: string, channel: number): Promise<DatasetExample[]> {
    resolveSettings({ layer, channels: [channel] }, this.engine.info.layers);
    const all = this.examples.get(layer, () => {
      const images = this.images.examples().flatMap((i) => {
        const b = this.images.bytes(i.id);
        return b ? [{ id: i.id, bytes: new Uint8Array(b.bytes) }] : [];
      });
      return this.engine.datasetExamples({ layer, images, perChannel: EXAMPLES_PER_CHANNEL });
    });
    return (await all)[channel];
  }
}
