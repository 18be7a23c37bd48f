import { cpus } from 'node:os';
import { TfjsExecutor } from '../server/engine/executors/tfjs.js';
import { OnnxInputGradients } from '../server/engine/feature-vis/onnx-input-gradients.js';
import { renderChannels } from '../server/engine/feature-vis/render.js';
import { TfjsInputGradients } from '../server/engine/feature-vis/tfjs-input-gradients.js';
import type { InputGradientEngine } from '../server/engine/feature-vis/input-gradients.js';
import { loadNetwork } from '../server/engine/network/network.js';
import { DEFAULT_BATCH, DEFAULT_SIZE, DEFAULT_STEPS } from '../server/spritemaps/spritemap-job.js';

/**
 * How long does a spritemap take? Seconds per channel of mixed4d at the default size and steps,
 * the projected hours for all 528 channels, and what size, batch and backend change. Each row
 * times a few optimization steps after a warm-up (the graph compile) and scales to the full step
 * count; the start and final measurements add two steps' worth per batch, left out.
 * `npx tsx bench/feature-vis.ts [--steps-timed 6] [--quick]`.
 */
const LAYER = 'mixed4d';
const CHANNELS_IN_LAYER = 528;
const args = process.argv.slice(2);
const timed = Number(args[args.indexOf('--steps-timed') + 1]) || 6;
const quick = args.includes('--quick');
const net = loadNetwork();
const threads = cpus().length;

async function perStepMs(engine: InputGradientEngine, size: number, batch: number): Promise<number> {
  const channels = Array.from({ length: batch }, (_, i) => i * 7);
  // Warm-up: compiles the graphs for this size (ORT) or traces kernels (tfjs).
  await renderChannels(engine, { layer: LAYER, channels, size, steps: 1, seed: 1 });
  const stamps: number[] = [];
  await renderChannels(engine, { layer: LAYER, channels, size, steps: timed + 1, seed: 1 }, { onStep: () => stamps.push(performance.now()) });
  return (stamps.at(-1)! - stamps[0]) / timed;
}

const rows: string[][] = [];
const row = (backend: string, size: number, batch: number, ms: number) => {
  const perChannel = (ms * DEFAULT_STEPS) / batch / 1000;
  rows.push([backend, String(size), String(batch), ms.toFixed(0), (ms / batch).toFixed(0), perChannel.toFixed(1), ((perChannel * CHANNELS_IN_LAYER) / 3600).toFixed(2)]);
};

const onnx = await OnnxInputGradients.create(net, { threads });
const configs: [number, number][] = quick ? [[DEFAULT_SIZE, DEFAULT_BATCH]] : [[DEFAULT_SIZE, DEFAULT_BATCH], [DEFAULT_SIZE, 1], [DEFAULT_SIZE, 8], [64, DEFAULT_BATCH], [128, DEFAULT_BATCH]];
for (const [size, batch] of configs) row('onnxruntime-cpu', size, batch, await perStepMs(onnx, size, batch));
await onnx.dispose();
if (!quick) {
  const wasm = new TfjsInputGradients(await TfjsExecutor.create(net, 'wasm'));
  row('tfjs-wasm (tf.grad)', DEFAULT_SIZE, DEFAULT_BATCH, await perStepMs(wasm, DEFAULT_SIZE, DEFAULT_BATCH));
}

const head = ['backend', 'size px', 'batch', 'ms/step', 'ms/step/channel', `s/channel (${DEFAULT_STEPS} steps)`, `h for ${LAYER} (${CHANNELS_IN_LAYER})`];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(`feature visualization of ${LAYER}: ${DEFAULT_STEPS} steps, ${timed} timed steps per row, ${threads} cores (shared), default size ${DEFAULT_SIZE}, batch ${DEFAULT_BATCH}`);
console.log(line(head));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
