import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { streamFor } from '../server/engine/seeded-random.js';
import { Adam } from '../server/engine/feature-vis/adam.js';
import { toValidRgb, toValidRgbBackward } from '../server/engine/feature-vis/color.js';
import { FftImage } from '../server/engine/feature-vis/fft-image.js';
import { compileInputGradientGraph } from '../server/engine/feature-vis/input-gradients/input-gradient-graph.js';
import { channel, objectiveWeights } from '../server/engine/feature-vis/objective.js';
import { standardTransforms, transformedSize } from '../server/engine/feature-vis/transforms.js';
import { loadNetwork, withInputSize } from '../server/engine/network/network.js';

/**
 * Where do the milliseconds of one render step go? The step of render.ts taken apart, stage by
 * stage (FFT + colour, transforms, the ORT run, the adjoints, Adam), CPU ms per stage (the ORT
 * run uses every intra-op thread; the rest is this thread), then ORT's own per-op profile of the
 * run, summed by op type and by what the op is for. Batches 1, 4 and 20 at 96 px and 80 px.
 * `npx tsx bench/render-step-profile.ts [--steps 6] [--batches 1,4,20] [--sizes 96,80] [--layer mixed4d]`.
 */
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const steps = Number(arg('--steps', '6'));
const batches = arg('--batches', '1,4,20').split(',').map(Number);
const sizes = arg('--sizes', '96,80').split(',').map(Number);
const layer = arg('--layer', 'mixed4d');
const net = loadNetwork();
const threads = cpus().length;
const info = net.layers.find((l) => l.name === layer)!;

const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** What an ORT op is for, by its type (the graph's node names are generated). */
function purpose(op: string): string {
  if (op === 'Conv' || op === 'ConvTranspose') return 'convs';
  if (['ReorderInput', 'ReorderOutput', 'Transpose'].includes(op)) return 'layout (NCHWc reorders, transposes)';
  if (['Slice', 'Pad', 'Equal', 'Max', 'Cast', 'ScatterElements', 'ConstantOfShape'].includes(op))
    return 'max-pool gradient (Slice/Pad/Equal/Max/Cast/Scatter)';
  if (op === 'Greater' || op === 'Where') return 'ReLU masks and first-max selects (Greater/Where)';
  if (['Add', 'Mul', 'Div', 'Sqrt', 'Reciprocal', 'AveragePool', 'Sum'].includes(op)) return 'elementwise (LRN, gradient sums)';
  if (op === 'MaxPool') return 'max pools (forward)';
  return 'other';
}

async function profile(size: number, batch: number) {
  const inputSize = transformedSize(standardTransforms, size);
  const bytes = compileInputGradientGraph(withInputSize(net, inputSize), layer);
  const prefix = join(tmpdir(), `render-profile-${process.pid}-${size}-${batch}`);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: prefix,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const channels = Array.from({ length: batch }, (_, i) => (i * 7) % info.channels);
  const weights = objectiveWeights(
    layer,
    channels.map((c) => channel(layer, c)),
    net.layers,
  );
  const param = new FftImage(size, size);
  const perItem = 3 * param.paramsPerChannel;
  const randoms = channels.map((c) => streamFor(1, c));
  const params = new Float32Array(batch * perItem).map((_, i) => 0.01 * Math.sin(i));
  const adam = new Adam(params.length);
  const pixels = size * size;
  const decorrelated = new Float32Array(batch * pixels * 3);
  const rgb = new Float32Array(batch * pixels * 3);
  const dRgb = new Float32Array(batch * pixels * 3);
  const dParams = new Float32Array(params.length);
  const inPixels = inputSize * inputSize * 3;
  const input = new Float32Array(batch * inPixels);
  const cpu: Record<string, number> = {};
  const wallOf: Record<string, number> = {};
  const stage = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const c = cpuMs(),
      w = performance.now();
    const r = await f();
    cpu[name] = (cpu[name] ?? 0) + cpuMs() - c;
    wallOf[name] = (wallOf[name] ?? 0) + performance.now() - w;
    return r;
  };
  let wall = 0;
  // Three untimed steps first: the ORT run's first call plans memory, and V8 compiles the TS stages' loops.
  for (let step = -3; step < steps; step++) {
    if (step === 0) for (const k of Object.keys(cpu)) cpu[k] = wallOf[k] = 0;
    const w0 = performance.now();
    await stage('FFT + colour (forward)', () => toValidRgb((param.toSpatial(params, 3 * batch, decorrelated), decorrelated), pixels, rgb));
    const applied = await stage('transforms (forward)', () =>
      channels.map((_, b) => {
        const tr = standardTransforms({ width: size, height: size, data: rgb.subarray(b * pixels * 3, (b + 1) * pixels * 3) }, randoms[b]);
        const d = tr.image.data;
        for (let i = 0, o = b * inPixels; i < inPixels; i++, o++) input[o] = d[i] * 255;
        return tr;
      }),
    );
    const out = await stage('ORT run (forward + backward graph)', () =>
      session.run({
        image: new ort.Tensor('float32', input, [batch, inputSize, inputSize, 3]),
        channel_weights: new ort.Tensor('float32', weights, [batch, info.channels]),
      }),
    );
    await stage('transforms (adjoint)', () => {
      const grads = out.grad.data as Float32Array;
      for (let i = 0; i < grads.length; i++) grads[i] *= 255;
      applied.forEach((tr, b) =>
        dRgb.set(
          tr.backward({ width: inputSize, height: inputSize, data: grads.subarray(b * inPixels, (b + 1) * inPixels) }).data,
          b * pixels * 3,
        ),
      );
    });
    await stage('colour + FFT (adjoint)', () =>
      param.spatialGradToParams(toValidRgbBackward(rgb, dRgb, pixels, decorrelated), 3 * batch, dParams),
    );
    await stage('Adam', () => adam.ascend(params, dParams));
    if (step >= 0) wall += performance.now() - w0;
  }
  session.endProfiling();
  await session.release();
  // endProfiling names no file in onnxruntime-node: the prefix plus a timestamp.
  const dir = dirname(prefix);
  const file = join(
    dir,
    readdirSync(dir).find((f) => f.startsWith(basename(prefix) + '_') && f.endsWith('.json'))!,
  );
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file, { force: true });
  // Kernel times of the timed runs only: the warm-up runs are dropped.
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(2);
  const byPurpose = new Map<string, number>();
  const byOp = new Map<string, number>();
  let kernelTotal = 0;
  const firstTimed = (runs[1] as unknown as { ts: number } | undefined)?.ts ?? 0;
  for (const e of events as ((typeof events)[number] & { ts: number })[]) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < firstTimed) continue;
    const op = e.args?.op_name ?? '?';
    const ms = e.dur / 1000 / steps;
    kernelTotal += ms;
    byPurpose.set(purpose(op), (byPurpose.get(purpose(op)) ?? 0) + ms);
    byOp.set(op, (byOp.get(op) ?? 0) + ms);
  }
  const run = runs.slice(1).reduce((s, e) => s + e.dur / 1000, 0) / steps;
  console.log(
    `\n## ${layer}, ${size} px (network input ${inputSize} px), batch ${batch}: ${(wall / steps).toFixed(0)} ms wall per step, ${steps} timed steps, load ${loadavg()[0].toFixed(2)}`,
  );
  console.log('| stage | CPU ms/step | wall ms/step | CPU ms/step/channel |');
  console.log('|---|---|---|---|');
  const total = Object.values(cpu).reduce((s, v) => s + v, 0);
  const totalWall = Object.values(wallOf).reduce((s, v) => s + v, 0);
  for (const [k, v] of Object.entries(cpu))
    console.log(`| ${k} | ${(v / steps).toFixed(1)} | ${(wallOf[k] / steps).toFixed(1)} | ${(v / steps / batch).toFixed(2)} |`);
  console.log(`| total | ${(total / steps).toFixed(1)} | ${(totalWall / steps).toFixed(1)} | ${(total / steps / batch).toFixed(2)} |`);
  console.log(`ORT model_run ${run.toFixed(1)} ms wall; its ops' wall times sum to ${kernelTotal.toFixed(1)} ms:`);
  const sorted = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
  console.log(`  by purpose: ${sorted(byPurpose)}`);
  console.log(`  by op: ${sorted(byOp)}`);
}

console.log(
  `render step profile, ${threads} cores (shared), load ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
for (const size of sizes) for (const batch of batches) await profile(size, batch);
