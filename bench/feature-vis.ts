import { cpus, loadavg } from 'node:os';
import { TfjsExecutor } from '../server/engine/executors/tfjs.js';
import { OnnxInputGradients } from '../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { FULL_PROFILE, THUMBNAIL_PROFILE, type SpriteProfile } from '../server/engine/feature-vis/profiles.js';
import { renderChannels } from '../server/engine/feature-vis/render.js';
import { TfjsInputGradients } from '../server/engine/feature-vis/input-gradients/tfjs-input-gradients.js';
import type { InputGradientEngine } from '../server/engine/feature-vis/input-gradients/input-gradient-engine.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * What does one render step cost, and does batching lower the cost per channel? For both sprite
 * profiles (full: 96 px, 256 steps; thumbnail: 80 px, 128 steps) at batch 1, 4 and 20, on mixed4d:
 * wall ms per step, CPU ms per step (all threads; steadier than wall on a shared machine),
 * per channel, the projected seconds for one batch of the profile's steps (for the thumbnail at
 * batch 20: the 20 sprites of a job, render only) and hours for the layer. Each row times a few
 * steps after a warm-up (the graph compile); the start and final measurements are left out.
 * ONNX Runtime runs twice per row, alternating, so both see the same machine load: split into one
 * lane per core (the default, onnx-input-gradients.ts) and as one session with every thread.
 * `npx tsx bench/feature-vis.ts [--steps-timed 6] [--quick] [--tfjs]`.
 */
const LAYER = 'mixed4d';
const CHANNELS_IN_LAYER = 528;
const args = process.argv.slice(2);
const timed = Number(args[args.indexOf('--steps-timed') + 1]) || 6;
const quick = args.includes('--quick');
const net = loadNetwork();
const threads = cpus().length;

async function perStep(engine: InputGradientEngine, size: number, batch: number): Promise<{ wall: number; cpu: number }> {
  const channels = Array.from({ length: batch }, (_, i) => i * 7);
  // Warm-up: compiles the graphs for this size (ORT) or traces kernels (tfjs).
  await renderChannels(engine, { layer: LAYER, channels, size, steps: 1, seed: 1 });
  const stamps: number[] = [];
  const cpu: number[] = [];
  await renderChannels(
    engine,
    { layer: LAYER, channels, size, steps: timed + 1, seed: 1 },
    {
      onStep: () => {
        stamps.push(performance.now());
        const c = process.cpuUsage();
        cpu.push((c.user + c.system) / 1000);
      },
    },
  );
  return { wall: (stamps.at(-1)! - stamps[0]) / timed, cpu: (cpu.at(-1)! - cpu[0]) / timed };
}

const rows: string[][] = [];
const row = (backend: string, profile: SpriteProfile, batch: number, { wall, cpu }: { wall: number; cpu: number }) => {
  const perChannel = (wall * profile.steps) / batch / 1000;
  rows.push([
    backend,
    `${profile.name} ${profile.size}px`,
    String(batch),
    wall.toFixed(0),
    cpu.toFixed(0),
    (wall / batch).toFixed(1),
    (cpu / batch).toFixed(1),
    perChannel.toFixed(1),
    ((wall * profile.steps) / 1000).toFixed(0),
    ((perChannel * CHANNELS_IN_LAYER) / 3600).toFixed(2),
  ]);
};

const onnx = await OnnxInputGradients.create(net, { threads });
const oneSession = await OnnxInputGradients.create(net, { threads, lanes: false });
const batches = quick ? [FULL_PROFILE.batch] : [1, 4, 20];
for (const profile of [FULL_PROFILE, THUMBNAIL_PROFILE]) {
  for (const batch of batches) {
    row(`onnxruntime-cpu, ${Math.min(threads, batch)} lane(s)`, profile, batch, await perStep(onnx, profile.size, batch));
    // A batch of one runs the same way on both.
    if (batch > 1) row('onnxruntime-cpu, one session', profile, batch, await perStep(oneSession, profile.size, batch));
  }
}
await onnx.dispose();
await oneSession.dispose();
if (args.includes('--tfjs')) {
  const wasm = new TfjsInputGradients(await TfjsExecutor.create(net, 'wasm'));
  row('tfjs-wasm (tf.grad)', FULL_PROFILE, FULL_PROFILE.batch, await perStep(wasm, FULL_PROFILE.size, FULL_PROFILE.batch));
}

const head = [
  'backend',
  'profile',
  'batch',
  'ms/step',
  'cpu ms/step',
  'ms/step/channel',
  'cpu ms/step/channel',
  's/channel (profile steps)',
  's/batch (profile steps)',
  `h for ${LAYER} (${CHANNELS_IN_LAYER})`,
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(
  `feature visualization of ${LAYER}: ${timed} timed steps per row, ${threads} cores (shared, load ${loadavg()
    .map((v) => v.toFixed(1))
    .join(
      ' ',
    )}), full ${FULL_PROFILE.size} px / ${FULL_PROFILE.steps} steps, thumbnail ${THUMBNAIL_PROFILE.size} px / ${THUMBNAIL_PROFILE.steps} steps`,
);
console.log(line(head));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
console.log(
  `load at the end: ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')}`,
);
