import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors/engine-error.js';
import { attribute } from '../engine/attribution/index.js';
import { createExecutor, parseBackendChoice } from '../engine/executors/index.js';
import { decodeImage } from '../engine/images.js';
import { Labels } from '../engine/labels.js';
import { loadNetwork } from '../engine/network/network.js';
import { BlocksWorker } from './blocks-handlers.js';
import { SpritemapWorker } from '../spritemaps/worker-handlers.js';
import type { RunPhases, RunResult, WireError, WorkerCommand, WorkerEvent, WorkerOptions } from './protocol.js';

const port = parentPort!;
const send = (e: WorkerEvent, transfer: ArrayBuffer[] = []) => port.postMessage(e, transfer);
const toWire = (e: unknown): WireError =>
  e instanceof EngineError ? e.toJSON() : { code: 'INTERNAL', message: (e as Error)?.message ?? String(e) };

const options = workerData.options as WorkerOptions;
const cancels = new Map<number, AbortController>();

try {
  const network = loadNetwork(options.modelDir);
  const executor = await createExecutor(network, parseBackendChoice(options.backend), { threads: options.threads });
  const labels = Labels.parse(network.labelsText);
  const spritemaps = new SpritemapWorker(executor, options.threads);
  const blocks = new BlocksWorker(executor);

  port.on('message', async (cmd: WorkerCommand) => {
    try {
      switch (cmd.type) {
        case 'decode': {
          const img = decodeImage(cmd.bytes, network.inputSize);
          send({ type: 'done', id: cmd.id, value: img }, [img.pixels.buffer as ArrayBuffer]);
          break;
        }
        case 'predict': {
          const logits = await executor.imageLogits(cmd.pixels);
          const max = Math.max(...logits);
          const exps = Array.from(logits, (l) => Math.exp(l - max));
          const sum = exps.reduce((a, b) => a + b, 0);
          const value = exps
            .map((e, index) => ({ index, label: labels.classes[index].name, probability: e / sum, logit: logits[index] }))
            .sort((a, b) => b.probability - a.probability)
            .slice(0, cmd.top);
          send({ type: 'done', id: cmd.id, value });
          break;
        }
        case 'run': {
          const ctl = new AbortController();
          cancels.set(cmd.id, ctl);
          try {
            const t0 = performance.now();
            await executor.prepareLayer?.(cmd.request.layer);
            const t1 = performance.now();
            let spatial: Float32Array | undefined;
            const it = attribute(executor, cmd.pixels, cmd.request, { signal: ctl.signal, onSpatial: (s) => (spatial = s) });
            for (;;) {
              const r = await it.next();
              if (r.done) {
                const pathMs = r.value.elapsedMs;
                const phases: RunPhases = { compileMs: t1 - t0, activationsMs: performance.now() - t1 - pathMs, pathMs };
                send({ type: 'done', id: cmd.id, value: { ...r.value, phases } satisfies RunResult }, [r.value.spatial.buffer as ArrayBuffer, r.value.integratedGradient.buffer as ArrayBuffer]);
                break;
              }
              send({ type: 'snapshot', id: cmd.id, snapshot: r.value, spatial }, spatial ? [spatial.buffer as ArrayBuffer] : []);
              spatial = undefined;
            }
          } finally {
            cancels.delete(cmd.id);
          }
          break;
        }
        case 'prepare':
          send({ type: 'done', id: cmd.id, value: (await executor.prepareLayer?.(cmd.layer)) ?? { compileMs: 0, graphs: 0, fromCache: 0 } });
          break;
        case 'render': {
          const ctl = new AbortController();
          cancels.set(cmd.id, ctl);
          try {
            const value = await spritemaps.render(cmd.request, (sprite) => send({ type: 'sprite', id: cmd.id, sprite }, [sprite.png.buffer as ArrayBuffer]), ctl.signal);
            send({ type: 'done', id: cmd.id, value });
          } finally {
            cancels.delete(cmd.id);
          }
          break;
        }
        case 'compose':
          send({ type: 'done', id: cmd.id, value: spritemaps.compose(cmd.request) });
          break;
        case 'examples':
          send({ type: 'done', id: cmd.id, value: await spritemaps.examples(cmd.request) });
          break;
        case 'groups':
          send({ type: 'done', id: cmd.id, value: await blocks.groups(cmd.pixels, cmd.request) });
          break;
        case 'dictionary':
          send({ type: 'done', id: cmd.id, value: await blocks.dictionary(cmd.pixels, cmd.request) });
          break;
        case 'classSpatial':
          send({ type: 'done', id: cmd.id, value: await blocks.classSpatial(cmd.pixels, cmd.request) });
          break;
        case 'cancel':
          cancels.get(cmd.id)?.abort();
          break;
      }
    } catch (e) {
      send({ type: 'failed', id: cmd.id, error: toWire(e) });
    }
  });

  send({ type: 'ready', info: { name: network.name, backend: executor.backend, inputSize: network.inputSize, layers: network.layers, labelsText: network.labelsText } });
} catch (e) {
  send({ type: 'fatal', error: toWire(e) });
}
