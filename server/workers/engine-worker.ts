import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors/engine-error.js';
import { decodeImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import type { ModelRef } from '../engine/model-ref.js';
import type { SpriteMessage } from '../engine/sprite-requests.js';
import { topPredictions } from '../engine/predictions.js';
import { BuildingBlocksWorker } from './building-blocks-handlers.js';
import { AttributionGate } from './attribution-gate.js';
import { runLayers, runOne } from './attribution-handlers.js';
import { LoadedModels } from './loaded-models.js';
import { openModel, type OpenedModel } from './open-model.js';
import { SpritemapWorker } from './spritemap-handlers.js';
import type { RequestType, WireError, WorkerCommand, WorkerEvent, WorkerOptions, WorkerReady, WorkerReplies } from './protocol.js';

const port = parentPort!;
const send = (e: WorkerEvent, transfer: ArrayBuffer[] = []) => port.postMessage(e, transfer);
/** The one way a request is answered, typed by its command. */
const reply = <K extends RequestType>(cmd: { type: K; id: number }, value: WorkerReplies[K], transfer: ArrayBuffer[] = []) =>
  send({ type: 'done', id: cmd.id, value }, transfer);
const toWire = (e: unknown): WireError =>
  e instanceof EngineError ? e.toJSON() : { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) };

const options = workerData.options as WorkerOptions;
const cancels = new Map<number, AbortController>();

/** Runs a request that a `cancel` message with its id can stop (the work checks the signal between steps). */
async function cancellable(id: number, work: (signal: AbortSignal) => Promise<void>) {
  const ctl = new AbortController();
  cancels.set(id, ctl);
  try {
    await work(ctl.signal);
  } finally {
    cancels.delete(id);
  }
}

/** A model as a worker holds it: its executor, labels and description, with its spritemap and building-block handlers. */
interface WorkerModel extends OpenedModel {
  labels: Labels;
  spritemaps: SpritemapWorker;
  blocks: BuildingBlocksWorker;
  dispose(): Promise<void>;
}

try {
  // Before the executor starts its threads: they inherit it (on Linux a nice value is per thread).
  // Only ever lower the priority: raising it needs privileges (a server already started under nice).
  if (options.nice && options.nice > getPriority(0)) setPriority(0, options.nice);
  const gate = new AttributionGate(workerData.attributionGate);
  const open = async (ref: ModelRef): Promise<WorkerModel> => {
    const opened = await openModel(ref, options);
    const { executor } = opened;
    const spritemaps = new SpritemapWorker(executor, options.threads, gate);
    const blocks = new BuildingBlocksWorker(executor, () => spritemaps.engine(), gate);
    return {
      ...opened,
      labels: Labels.parse(executor.model.labelsText),
      spritemaps,
      blocks,
      dispose: async () => {
        await spritemaps.dispose();
        executor.dispose();
      },
    };
  };
  const models = new LoadedModels(options.modelsInMemory, open);
  // The default model is loaded at start: a worker that cannot load it fails now, not at the first job.
  const ready: WorkerReady = await models.use(options.defaultModel, (m) => m.description);

  port.on('message', async (cmd: WorkerCommand) => {
    try {
      if (cmd.type === 'cancel') {
        cancels.get(cmd.id)?.abort();
        return;
      }
      if (cmd.type === 'forget') {
        models.forget(cmd.modelId);
        reply(cmd, null);
        return;
      }
      if (cmd.type === 'loaded') {
        reply(cmd, models.keys());
        return;
      }
      await models.use(cmd.model ?? options.defaultModel, (model) => handle(cmd, model));
    } catch (e) {
      send({ type: 'failed', id: cmd.id, error: toWire(e) });
    }
  });

  /** Answers one request on its model (loaded, and kept loaded until the answer is sent). */
  async function handle(cmd: WorkerCommand, model: WorkerModel) {
    const { executor, labels, spritemaps, blocks } = model;
    switch (cmd.type) {
      case 'load':
        reply(cmd, model.description);
        break;
      case 'decode': {
        const img = decodeImage(cmd.bytes, executor.model.inputSize);
        reply(cmd, img, [img.pixels.buffer as ArrayBuffer]);
        break;
      }
      case 'predict': {
        reply(cmd, topPredictions(await executor.imageLogits(cmd.pixels), labels, cmd.top));
        break;
      }
      case 'run':
        await cancellable(cmd.id, async (signal) => {
          const { value, transfer } = await runOne(executor, send, cmd, signal);
          reply(cmd, value, transfer);
        });
        break;
      case 'runLayers':
        await cancellable(cmd.id, async (signal) => reply(cmd, await runLayers(executor, send, cmd, signal)));
        break;
      case 'prepare':
        reply(cmd, (await executor.prepareLayer?.(cmd.layer)) ?? { compileMs: 0, graphs: 0, fromCache: 0 });
        break;
      case 'render':
        await cancellable(cmd.id, async (signal) => {
          const onSprite = (sprite: SpriteMessage) => send({ type: 'sprite', id: cmd.id, sprite }, [sprite.png.buffer as ArrayBuffer]);
          reply(
            cmd,
            await spritemaps.render(
              cmd.request,
              onSprite,
              (step, steps) => send({ type: 'render-step', id: cmd.id, step, steps, at: Date.now() }),
              signal,
            ),
          );
        });
        break;
      case 'compose':
        reply(cmd, spritemaps.compose(cmd.request));
        break;
      case 'examples':
        reply(cmd, await spritemaps.examples(cmd.request));
        break;
      case 'groups':
        reply(cmd, await blocks.groups(cmd.pixels, cmd.request));
        break;
      case 'dictionary':
        reply(cmd, await blocks.dictionary(cmd.pixels, cmd.request));
        break;
      case 'groupIcons':
        await cancellable(cmd.id, async (signal) => {
          const { icons } = await blocks.icons(
            cmd.request,
            (step, steps) => send({ type: 'render-step', id: cmd.id, step, steps, at: Date.now() }),
            signal,
          );
          reply(
            cmd,
            { icons },
            icons.map((i) => i.buffer as ArrayBuffer),
          );
        });
        break;
      case 'classSpatial':
        reply(cmd, await blocks.classSpatial(cmd.pixels, cmd.request));
        break;
      case 'layerToLayer':
        await cancellable(cmd.id, async (signal) => {
          const onProgress = (done: number, total: number) => send({ type: 'progress', id: cmd.id, done, total });
          reply(cmd, await blocks.layerToLayer(cmd.pixels, cmd.request, { signal, onProgress }));
        });
        break;
    }
  }

  send({ type: 'ready', info: ready });
} catch (e) {
  send({ type: 'fatal', error: toWire(e) });
}
