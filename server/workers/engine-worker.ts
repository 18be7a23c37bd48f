import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors/engine-error.js';
import { attribute, type SpatialMap } from '../engine/attribution/index.js';
import { createExecutor } from '../engine/executors/index.js';
import { decodeImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import { loadNetwork } from '../engine/network/network.js';
import type { RunPhases } from '../engine/engine.js';
import type { SpriteMessage } from '../engine/sprite-requests.js';
import { topPredictions } from '../engine/predictions.js';
import { BuildingBlocksWorker } from './building-blocks-handlers.js';
import { AttributionGate } from './attribution-gate.js';
import { CheckpointPacer, readCheckpoint } from './checkpoint-pacer.js';
import { SpritemapWorker } from './spritemap-handlers.js';
import type { RequestType, WireError, WorkerCommand, WorkerEvent, WorkerOptions, WorkerReplies } from './protocol.js';

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

try {
  const network = loadNetwork(options.modelDir);
  // Before the executor starts its threads: they inherit it (on Linux a nice value is per thread).
  // Only ever lower the priority: raising it needs privileges (a server already started under nice).
  if (options.nice && options.nice > getPriority(0)) setPriority(0, options.nice);
  const { backend, modelDir: _modelDir, nice: _nice, ...settings } = options;
  const executor = await createExecutor(network, backend, settings);
  const labels = Labels.parse(network.labelsText);
  const gate = new AttributionGate(workerData.attributionGate);
  const spritemaps = new SpritemapWorker(executor, options.threads, gate);
  const blocks = new BuildingBlocksWorker(executor, () => spritemaps.engine(), gate);

  port.on('message', async (cmd: WorkerCommand) => {
    try {
      switch (cmd.type) {
        case 'decode': {
          const img = decodeImage(cmd.bytes, network.inputSize);
          reply(cmd, img, [img.pixels.buffer as ArrayBuffer]);
          break;
        }
        case 'predict': {
          reply(cmd, topPredictions(await executor.imageLogits(cmd.pixels), labels, cmd.top));
          break;
        }
        case 'run':
          await cancellable(cmd.id, async (signal) => {
            const t0 = performance.now();
            await executor.prepareLayer?.(cmd.request.layer);
            const t1 = performance.now();
            const [height, width, channels] = network.byName.get(cmd.request.layer)!.shape;
            let spatial: SpatialMap | undefined;
            const checkpoints = new CheckpointPacer(cmd.checkpointIntervalMs ?? 0, signal);
            const it = attribute(executor, cmd.pixels, cmd.request, {
              signal,
              onSpatial: (data) => (spatial = { height, width, channels, data }),
              onCheckpoint: cmd.checkpointIntervalMs === undefined ? undefined : (state) => checkpoints.offer(state),
              resumeFrom: cmd.resumeFrom && readCheckpoint(cmd.resumeFrom),
            });
            for (;;) {
              let r;
              try {
                r = await it.next();
              } catch (e) {
                // Stopped between chunks: hand back the last chunk's state if it was not sent yet.
                const last = checkpoints.unsent();
                if (last)
                  send({ type: 'snapshot', id: cmd.id, snapshot: last.snapshot, checkpoint: last.checkpoint }, [
                    last.checkpoint.buffer as ArrayBuffer,
                  ]);
                throw e;
              }
              if (r.done) {
                const pathMs = r.value.elapsedMs;
                const phases: RunPhases = { compileMs: t1 - t0, activationsMs: performance.now() - t1 - pathMs, pathMs };
                reply(cmd, { ...r.value, phases }, [
                  r.value.spatial.data.buffer as ArrayBuffer,
                  r.value.integratedGradient.buffer as ArrayBuffer,
                ]);
                break;
              }
              const checkpoint = checkpoints.take(r.value);
              send({ type: 'snapshot', id: cmd.id, snapshot: r.value, spatial, checkpoint }, [
                ...(spatial ? [spatial.data.buffer as ArrayBuffer] : []),
                ...(checkpoint ? [checkpoint.buffer as ArrayBuffer] : []),
              ]);
              spatial = undefined;
            }
          });
          break;
        case 'prepare':
          reply(cmd, (await executor.prepareLayer?.(cmd.layer)) ?? { compileMs: 0, graphs: 0, fromCache: 0 });
          break;
        case 'render':
          await cancellable(cmd.id, async (signal) => {
            const onSprite = (sprite: SpriteMessage) => send({ type: 'sprite', id: cmd.id, sprite }, [sprite.png.buffer as ArrayBuffer]);
            reply(
              cmd,
              await spritemaps.render(cmd.request, onSprite, signal, (step, steps) =>
                send({ type: 'render-step', id: cmd.id, step, steps, at: Date.now() }),
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
            const { icons } = await blocks.icons(cmd.request, signal, (step, steps) =>
              send({ type: 'render-step', id: cmd.id, step, steps, at: Date.now() }),
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
        case 'cancel':
          cancels.get(cmd.id)?.abort();
          break;
      }
    } catch (e) {
      send({ type: 'failed', id: cmd.id, error: toWire(e) });
    }
  });

  send({
    type: 'ready',
    info: {
      name: network.name,
      backend: executor.backend,
      inputSize: network.inputSize,
      layers: network.layers,
      labelsText: network.labelsText,
    },
  });
} catch (e) {
  send({ type: 'fatal', error: toWire(e) });
}
