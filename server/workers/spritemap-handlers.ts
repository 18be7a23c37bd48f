import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { datasetExamples } from '../engine/dataset-examples.js';
import type { Executor } from '../engine/executors/executor.js';
import { createInputGradientEngine, renderChannels, type InputGradientEngine } from '../engine/feature-vis/index.js';
import { assertChannels } from '../engine/feature-vis/objective.js';
import { decodeImage } from '../engine/images.js';
import { writeAtomic } from '../write-atomic.js';
import type { AttributionGate } from './attribution-gate.js';
import type {
  ChannelExamples,
  ComposedSpritemap,
  ComposeRequest,
  ExamplesRequest,
  RenderSpritesRequest,
  SpriteMessage,
} from '../engine/sprite-requests.js';

/**
 * The spritemap work that runs inside an engine worker: rendering, PNG encoding and grid
 * composition all stay off the server's event loop.
 */
export class SpritemapWorker {
  private gradients?: Promise<InputGradientEngine>;

  /** `gate`: attribution in flight in the pool; renders wait for it between steps (low priority). */
  constructor(
    private readonly executor: Executor,
    private readonly threads?: number,
    private readonly gate?: AttributionGate,
  ) {}

  /** The worker's one input-gradient engine, shared with the group icons (building-blocks-handlers.ts). */
  engine() {
    this.gradients ??= createInputGradientEngine(this.executor, this.threads);
    return this.gradients;
  }

  async render(
    request: RenderSpritesRequest,
    onSprite: (s: SpriteMessage) => void,
    onStep: ((step: number, steps: number) => void) | undefined,
    signal: AbortSignal,
  ): Promise<number> {
    assertChannels(request.layer, request.channels, this.executor.model.layers);
    // Nothing of a render starts while a job runs, not even its graphs' compilation: it waits for the job's end.
    await this.gate?.idle(signal);
    const engine = await this.engine();
    const batch = Math.max(1, Math.floor(request.batch));
    const batches = Math.ceil(request.channels.length / batch);
    let done = 0;
    for (let i = 0; i < request.channels.length; i += batch) {
      const before = (i / batch) * request.steps;
      const sprites = await renderChannels(
        engine,
        { ...request, channels: request.channels.slice(i, i + batch) },
        {
          signal,
          beforeStep: () => this.gate?.idle(signal),
          onStep: (step) => onStep?.(before + step, batches * request.steps),
        },
      );
      for (const s of sprites) {
        onSprite({
          channel: s.channel,
          png: encodeRgb(s.rgb, s.size, s.size),
          activation: s.activation,
          startActivation: s.startActivation,
        });
        done++;
      }
    }
    return done;
  }

  compose(req: ComposeRequest): ComposedSpritemap {
    const rows = Math.ceil(req.sprites.length / req.columns);
    const grid = new PNG({ width: req.columns * req.size, height: rows * req.size, colorType: 2 });
    grid.data.fill(255);
    const missing: number[] = [];
    for (let n = 0; n < req.sprites.length; n++) {
      let sprite: PNG;
      try {
        sprite = PNG.sync.read(readFileSync(req.sprites[n]));
      } catch {
        missing.push(n);
        continue;
      }
      const x0 = (n % req.columns) * req.size;
      const y0 = Math.floor(n / req.columns) * req.size;
      for (let y = 0; y < req.size; y++) {
        const from = y * sprite.width * 4;
        sprite.data.copy(grid.data, ((y0 + y) * grid.width + x0) * 4, from, from + req.size * 4);
      }
    }
    writeAtomic(req.output, PNG.sync.write(grid, { colorType: 2 }));
    return { width: grid.width, height: grid.height, missing };
  }

  async examples(req: ExamplesRequest): Promise<ChannelExamples> {
    const size = this.executor.model.inputSize;
    const images = req.images.map((i) => ({ id: i.id, pixels: decodeImage(i.bytes, size).pixels }));
    return datasetExamples(this.executor, images, req.layer, req.perChannel);
  }

  async dispose() {
    if (this.gradients) await (await this.gradients).dispose();
  }
}

/** RGB bytes to a PNG. */
export function encodeRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 2 });
  for (let p = 0; p < width * height; p++) {
    png.data[p * 4] = rgb[p * 3];
    png.data[p * 4 + 1] = rgb[p * 3 + 1];
    png.data[p * 4 + 2] = rgb[p * 3 + 2];
    png.data[p * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
}
