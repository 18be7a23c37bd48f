import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attribute, validateInput } from '../server/engine/attribution/index.js';
import { createExecutor } from '../server/engine/executors/index.js';
import type { Executor, ScoreSpec } from '../server/engine/executors/executor.js';
import { OnnxExecutor } from '../server/engine/executors/onnx.js';
import type { SessionSettings } from '../server/engine/executors/onnx-compiler/session-cache.js';
import { decodeImage } from '../server/engine/images.js';
import { Labels } from '../server/engine/labels.js';
import { cpuFlags, mallocLine } from './_machine.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * Which executor is faster, and at which batch size? Both executors side by side on the issue's
 * workload: a 100-step path (left Riemann, alpha = k/N) at mixed4d on dog_cat_composite.png,
 * Pekinese vs tiger cat, batch sizes 1, 10, 25 and 50. Each (executor, batch) runs in
 * its own process so peak RSS is its own. Then ONNX Runtime settings one at a time against the
 * defaults, at batch 10. `npx tsx bench/executors.ts [--repeats R] [--batches 1,10] [--no-variants]`.
 */
const LAYER = 'mixed4d';
/** Forward plus input-gradient FLOPs of one path step from mixed4d to the logits. */
const GFLOP_PER_STEP = 1.171;
const STEPS = 100;
const IMAGE = resolve(fileURLToPath(import.meta.url), '../../../shared/images/224/dog_cat_composite.png');
const SCORE: ScoreSpec = { class1: { kind: 'class', index: 154 }, class2: { kind: 'class', index: 282 } };

type Backend = 'onnx' | 'tfjs';

/** One change each from the executor's defaults; `layout`/`all` add ORT's NCHWc conv layout. */
const VARIANTS: { name: string; settings: SessionSettings }[] = [
  { name: 'defaults', settings: {} },
  { name: 'intra-op spinning off', settings: { spinning: false } },
  { name: "intra-op spinning as ORT's own", settings: { spinning: true } },
  { name: 'no NCHWc rewrite of the backward', settings: { keepNchwc: false } },
  { name: 'pool gradient from MaxPool indices', settings: { poolGrad: 'indices' } },
  { name: 'conv gradient as ConvTranspose', settings: { convGrad: 'conv-transpose' } },
  { name: 'optimization extended (plain NCHW)', settings: { optimizationLevel: 'extended' } },
];

interface ChildResult {
  backend: string;
  batch: number;
  /** ONNX: building the graph bytes plus creating the ORT session; tfjs: creating the executor. */
  compileMs: number;
  firstCallMs: number;
  pathMs: number[];
  /** Path runs that started on a quiet machine (see waitForQuiet). */
  quietRuns: number;
  peakRssMB: number;
  job?: { firstSnapshotMs: number; totalMs: number; chunkSteps: number; batchSize: number };
}

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

/** Total and idle CPU jiffies from /proc/stat (Linux). */
function cpuTimes() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + (f[4] ?? 0) };
}

/**
 * Waits (up to `maxMs`) for a half-second in which the machine is at least 80% idle, so a run
 * does not start inside another process's burst on a shared machine. Returns whether it was.
 */
async function waitForQuiet(maxMs = 15_000): Promise<boolean> {
  if (!existsSync('/proc/stat')) return true;
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuTimes();
    if ((b.idle - a.idle) / Math.max(1, b.total - a.total) >= 0.8) return true;
  }
  return false;
}

/** One N=100 path at batch size `batch`, as the estimator feeds the executor. */
async function runPath(executor: Executor, acts: Float32Array, batch: number) {
  const size = acts.length;
  const points = new Float32Array(size * batch);
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s += batch) {
    const n = Math.min(batch, STEPS - s);
    for (let j = 0; j < n; j++) {
      const alpha = (s + j) / STEPS;
      const out = points.subarray(j * size, (j + 1) * size);
      for (let i = 0; i < size; i++) out[i] = acts[i] * alpha;
    }
    await executor.gradients(LAYER, points.subarray(0, n * size), n, SCORE);
  }
  return performance.now() - t0;
}

/** A whole job through the attribution engine: time to its first snapshot and to its end. */
async function runJob(executor: Executor, image: Float32Array, labels: Labels) {
  const request = validateInput(
    { layer: LAYER, class1: '154', class2: '282', method: 'PATH', steps: STEPS },
    { labels, layers: executor.model.layers },
  );
  await waitForQuiet();
  const t0 = performance.now();
  let first = 0;
  const it = attribute(executor, image, request);
  for (;;) {
    const r = await it.next();
    if (!first) first = performance.now() - t0;
    if (r.done) break;
  }
  return { firstSnapshotMs: first, totalMs: performance.now() - t0, chunkSteps: request.chunkSteps, batchSize: request.batchSize };
}

async function child(backend: Backend, batch: number, repeats: number, settings?: SessionSettings): Promise<ChildResult> {
  const network = loadNetwork();
  const image = decodeImage(new Uint8Array(readFileSync(IMAGE))).pixels;
  const t0 = performance.now();
  const executor = settings ? await OnnxExecutor.create(network, settings) : await createExecutor(network, backend);
  let compileMs = performance.now() - t0;
  if (executor instanceof OnnxExecutor) {
    await executor.prepare('gradient', LAYER);
    compileMs = executor.compileTimings.reduce((s, t) => s + t.buildMs + t.sessionMs, 0);
  }
  const acts = await executor.activations(image, LAYER);
  const warm = new Float32Array(acts.length * batch);
  for (let j = 0; j < batch; j++) warm.set(acts, j * acts.length);
  const t1 = performance.now();
  await executor.gradients(LAYER, warm, batch, SCORE);
  const firstCallMs = performance.now() - t1;
  const pathMs: number[] = [];
  let quietRuns = 0;
  for (let r = 0; r < repeats; r++) {
    if (await waitForQuiet()) quietRuns++;
    pathMs.push(await runPath(executor, acts, batch));
  }
  // A job at the engine's default chunk and batch sizes, once per backend; the second run is
  // the warm engine's (the first compiles the activations and logits graphs).
  let job: ChildResult['job'];
  if (batch === 10 && !settings) {
    const labels = Labels.parse(network.labelsText);
    await runJob(executor, image, labels);
    job = await runJob(executor, image, labels);
  }
  executor.dispose();
  return {
    backend: executor.backend,
    batch,
    compileMs,
    firstCallMs,
    pathMs,
    quietRuns,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    job,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function spawnChild(backend: Backend, batch: number, repeats: number, settings?: SessionSettings): ChildResult {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--child',
    backend,
    '--batch',
    String(batch),
    '--repeats',
    String(repeats),
  ];
  if (settings) args.push('--settings', JSON.stringify(settings));
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = r.stdout.trim().split('\n').at(-1);
  if (r.status !== 0 || !line) throw new Error(`${backend} at batch ${batch} failed (exit ${r.status})`);
  process.stderr.write(`  ${backend} batch ${batch}${settings ? ` ${JSON.stringify(settings)}` : ''}: done\n`);
  return JSON.parse(line);
}

const row = (r: ChildResult) => {
  const ms = median(r.pathMs);
  return {
    'ms/step': +(ms / STEPS).toFixed(2),
    'GFLOP/s': +((GFLOP_PER_STEP * STEPS) / (ms / 1000)).toFixed(1),
    'N=100 s (median)': +(ms / 1000).toFixed(3),
    'N=100 s (best)': +(Math.min(...r.pathMs) / 1000).toFixed(3),
    'runs (quiet start)': `${r.pathMs.length} (${r.quietRuns})`,
    'compile ms': Math.round(r.compileMs),
    'first call ms': Math.round(r.firstCallMs),
    'peak RSS MB': Math.round(r.peakRssMB),
  };
};

const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');

function main() {
  process.stderr.write(`load average at start: ${load()}\n`);
  const batches = arg('batches', '1,10,25,50').split(',').map(Number);
  const results: ChildResult[] = [];
  for (const backend of ['onnx', 'tfjs'] as Backend[]) {
    // tfjs takes ~9 s a path here: one run each keeps the bench to a few minutes.
    const repeats = Number(arg('repeats', backend === 'onnx' ? '3' : '1'));
    for (const batch of batches) results.push(spawnChild(backend, batch, repeats));
  }
  console.log(
    `\nmixed4d, N=${STEPS} path on dog_cat_composite.png, Pekinese - tiger cat; ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}; load average now ${load()} (a shared machine: compare medians with care)`,
  );
  console.log(`CPU flags: ${cpuFlags()}; ${mallocLine()}`);
  console.log(
    `ms/step and GFLOP/s (${GFLOP_PER_STEP} GFLOP a step) from the median of the path runs; peak RSS of the process running that row alone.`,
  );
  console.table(results.map((r) => ({ backend: r.backend, batch: r.batch, ...row(r) })));
  console.log('Whole job through the attribution engine on a warm executor (activations, end-point logits, 10 chunks):');
  console.table(
    results
      .filter((r) => r.job)
      .map((r) => ({
        backend: r.backend,
        'chunk steps': r.job!.chunkSteps,
        batch: r.job!.batchSize,
        'first snapshot ms': Math.round(r.job!.firstSnapshotMs),
        'N=100 job s': +(r.job!.totalMs / 1000).toFixed(3),
      })),
  );
  if (process.argv.includes('--no-variants')) return;
  // Rounds interleave the variants, so a burst of load on a shared machine hits them all alike.
  const rounds = Number(arg('rounds', '3'));
  const byVariant = VARIANTS.map(() => [] as ChildResult[]);
  for (let k = 0; k < rounds; k++) VARIANTS.forEach((v, i) => byVariant[i].push(spawnChild('onnx', 10, 2, v.settings)));
  console.log(`ONNX Runtime settings, one change at a time from the defaults, batch 10 (${rounds} interleaved rounds of 2 paths):`);
  console.table(
    VARIANTS.map((v, i) => {
      const rs = byVariant[i];
      return {
        variant: v.name,
        ...row({
          ...rs[0],
          pathMs: rs.flatMap((r) => r.pathMs),
          quietRuns: rs.reduce((n, r) => n + r.quietRuns, 0),
          compileMs: median(rs.map((r) => r.compileMs)),
          peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
        }),
      };
    }),
  );
}

if (process.argv.includes('--child')) {
  const settings = process.argv.includes('--settings') ? (JSON.parse(arg('settings', '{}')) as SessionSettings) : undefined;
  const r = await child(arg('child', 'onnx') as Backend, Number(arg('batch', '10')), Number(arg('repeats', '3')), settings);
  console.log(JSON.stringify(r));
} else {
  main();
}
