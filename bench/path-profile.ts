import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxExecutor } from '../server/engine/executors/onnx.js';
import { spinConfig } from '../server/engine/executors/onnx-compiler/session-cache.js';
import { loadNetwork } from '../server/engine/network/network.js';
import { cpuFlags, mallocLine } from './_machine.js';

/**
 * Where does a path step go? ONNX Runtime's per-node profile of the engine's own gradient graph
 * at mixed4d (the optimized graph the engine saves and loads, NCHWc rewrite included), at
 * several batch sizes: per op type, the time per path step and its share, and the wall time per
 * step of a plain `run`. `npx tsx bench/path-profile.ts [--batches 4,10,16,25] [--runs 5] [--layer mixed4d]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const layer = arg('layer', 'mixed4d');
const batches = arg('batches', '4,10,16,25').split(',').map(Number);
const runs = Number(arg('runs', '5'));
const threads = cpus().length;

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

const cacheDir = mkdtempSync(join(tmpdir(), 'path-profile-'));
const profileDir = mkdtempSync(join(tmpdir(), 'path-profile-trace-'));
try {
  const network = loadNetwork();
  const executor = await OnnxExecutor.create(network, { threads, cacheDir });
  await executor.prepare('gradient', layer);
  executor.dispose();
  const file = readdirSync(cacheDir).find((f) => f.startsWith(`gradient-${layer}-`) && f.endsWith('.onnx'));
  if (!file) throw new Error(`no optimized gradient graph for ${layer} in ${cacheDir}`);
  const bytes = readFileSync(join(cacheDir, file));
  const [h, w, c] = network.byName.get(layer)!.shape;
  const classes = network.byName.get(network.logitsNode)!.shape[0];

  console.log(`CPU: ${threads} x ${cpus()[0]?.model}; flags: ${cpuFlags()}; ${mallocLine()}`);
  console.log(
    `onnxruntime ${ort.env.versions?.node ?? '?'}; ${layer} [${h},${w},${c}]; load average at start ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );

  for (const batch of batches) {
    const opts = (profile: boolean): ort.InferenceSession.SessionOptions => ({
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableMemPattern: false,
      graphOptimizationLevel: 'disabled',
      logSeverityLevel: 3,
      ...(profile ? { enableProfiling: true, profileFilePrefix: join(profileDir, `b${batch}`) } : {}),
      extra: { session: { intra_op: spinConfig(undefined) } },
    });
    const acts = new Float32Array(batch * h * w * c).map(() => Math.random());
    const scoreWeights = new Float32Array(classes);
    scoreWeights[154] = 1;
    scoreWeights[282] = -1;
    const feeds = {
      acts: new ort.Tensor('float32', acts, [batch, h, w, c]),
      score_weights: new ort.Tensor('float32', scoreWeights, [classes]),
      lse_weight: new ort.Tensor('float32', new Float32Array([0]), [1]),
    };
    // Wall time per step without the profiler's own cost.
    const plain = await ort.InferenceSession.create(bytes, opts(false));
    await plain.run(feeds);
    await plain.run(feeds);
    const wall: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await plain.run(feeds);
      wall.push(performance.now() - t0);
    }
    await plain.release();
    wall.sort((a, b) => a - b);

    const session = await ort.InferenceSession.create(bytes, opts(true));
    for (let r = 0; r < runs + 2; r++) await session.run(feeds);
    session.endProfiling();
    await session.release();
    // ORT names the trace `<prefix>_<timestamp>.json`.
    const trace = readdirSync(profileDir).find((f) => f.startsWith(`b${batch}_`) && f.endsWith('.json'));
    if (!trace) throw new Error(`ONNX Runtime wrote no profile for batch ${batch}`);
    const events = JSON.parse(readFileSync(join(profileDir, trace), 'utf8')) as ProfileEvent[];
    // The first two runs settle the arena: only the last `runs` runs count.
    const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
    const cutoff = runEvents.length > runs ? runEvents[runEvents.length - runs - 1] : undefined;
    const byOp = new Map<string, { us: number; nodes: Set<string> }>();
    let total = 0;
    let seenCutoff = !cutoff;
    for (const e of events) {
      if (e === cutoff) {
        seenCutoff = true;
        continue;
      }
      if (!seenCutoff || e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const op = e.args?.op_name ?? '?';
      const entry = byOp.get(op) ?? { us: 0, nodes: new Set() };
      entry.us += e.dur;
      entry.nodes.add(e.name);
      byOp.set(op, entry);
      total += e.dur;
    }
    const perStep = (us: number) => us / runs / batch / 1000;
    console.log(
      `\nbatch ${batch}: ${(wall[Math.floor(runs / 2)] / batch).toFixed(2)} ms per step (wall, median of ${runs} runs, profiler off); ` +
        `kernels ${perStep(total).toFixed(2)} ms per step (profiler on)`,
    );
    console.table(
      [...byOp.entries()]
        .sort((a, b) => b[1].us - a[1].us)
        .slice(0, 14)
        .map(([op, { us, nodes }]) => ({
          op,
          nodes: nodes.size,
          'ms per step': Number(perStep(us).toFixed(3)),
          share: `${((100 * us) / total).toFixed(1)} %`,
        })),
    );
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}
