import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateInput, attributeOnce } from '../server/engine/attribution/index.js';
import type { ScoreSpec } from '../server/engine/executors/executor.js';
import { OnnxExecutor } from '../server/engine/executors/onnx.js';
import { decodeImage } from '../server/engine/images.js';
import { Labels } from '../server/engine/labels.js';
import { loadNetwork } from '../server/engine/network/network.js';
import { engineSettings } from '../server/settings.js';
import { IMAGE_224, runCli, type CliRun } from './_attribute-cli.js';
import { cpuFlags, mallocLine } from './_machine.js';
import { TORCH_INSTALL_HINT, TorchPath, torchVersion } from './_pytorch.js';

/**
 * Is the project as fast as the PyTorch script a user would write instead? The notebook's
 * 100-step left-Riemann path at mixed4d on images/224/dog_cat_composite.png, Pekinese vs tiger
 * cat, in one run, interleaved round by round (a shared machine: only ratios within one run
 * mean anything):
 * - PyTorch (Debian's python3-torch, /usr/bin/python3): forward from mixed4d to the logits and
 *   the input gradient at mixed4d by autograd, channels_last, on as many threads as cores, at
 *   its best batch (bench/pytorch-path.py; the same network and weights, the same activations);
 * - the project's warm path loop: the engine's estimator on a warm ONNX Runtime executor, with
 *   the engine's settings (batch, threads, spinning), as a job runs it;
 * - the CLI, a fresh process with the optimized graphs cached (`elapsedMs`: the user's wait from
 *   the request to the result, and the process's wall clock), for the fixed 100 steps and for
 *   `--tolerance 0.01` (a settled answer).
 * `npx tsx bench/pytorch.ts [--rounds 5] [--threads N] [--torch-batches 10,16,25,32,50] [--torch-wait default,passive]`.
 * Without PyTorch it runs the project's rows and says how to install it.
 */
const LAYER = 'mixed4d';
const STEPS = 100;
const SCORE: ScoreSpec = { class1: { kind: 'class', index: 154 }, class2: { kind: 'class', index: 282 } };

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

async function main() {
  const rounds = Number(arg('rounds', '5'));
  const threads = Number(arg('threads', String(cpus().length)));
  const torchBatches = arg('torch-batches', '10,16,25,32,50').split(',').map(Number);
  const torchWaits = arg('torch-wait', 'default,passive').split(',') as ('default' | 'passive')[];
  const network = loadNetwork();
  const engine = engineSettings(process.env, {});
  const labels = Labels.parse(network.labelsText);
  const image = decodeImage(new Uint8Array(readFileSync(IMAGE_224))).pixels;
  const executor = await OnnxExecutor.create(network, { threads, provider: engine.executor.provider, spinning: engine.executor.spinning });
  const request = validateInput(
    { layer: LAYER, class1: '154', class2: '282', method: 'PATH', steps: STEPS },
    { labels, layers: network.layers, batchSize: engine.batchSize },
  );
  const acts = await executor.activations(image, LAYER);
  const version = torchVersion();

  console.log(`CPU: ${cpus().length} x ${cpus()[0]?.model}; flags: ${cpuFlags()}; ${mallocLine()}`);
  console.log(`Node ${process.version}, onnxruntime ${ort.env.versions?.node ?? '?'}; PyTorch: ${version ?? 'not installed'}`);
  console.log(`load average at start: ${load()}`);
  if (!version) console.log(`\n${TORCH_INSTALL_HINT}. Running the project's rows alone.\n`);

  // PyTorch at its best on this machine: each batch, with OpenMP's default wait policy (what a
  // user's script gets) and with passive waiting (better where other processes share the cores),
  // one warm-up and then one path each; the fastest (policy, batch) runs the rounds.
  let torch: TorchPath | undefined;
  let torchBatch = 0;
  let torchWait = '';
  if (version) {
    const tried: { wait: 'default' | 'passive'; batch: number; ms: number }[] = [];
    const candidates: TorchPath[] = [];
    for (const wait of torchWaits) {
      const t = await TorchPath.start(network, LAYER, acts, [154, 282], threads, wait);
      candidates.push(t);
      await t.path(torchBatches[0], STEPS);
      for (const b of torchBatches) tried.push({ wait, batch: b, ms: (await t.path(b, STEPS)).ms });
    }
    const best = tried.reduce((a, b) => (b.ms < a.ms ? b : a));
    torch = candidates[torchWaits.indexOf(best.wait)];
    for (const t of candidates) if (t !== torch) t.close();
    torchBatch = best.batch;
    torchWait = best.wait;
    console.log(
      `PyTorch search (one path each): ${tried.map((t) => `${t.wait} ${t.batch}: ${Math.round(t.ms)} ms`).join(', ')} -> ${torchWait} wait, batch ${torchBatch}`,
    );
  }

  // The project's warm loop: the engine's own estimator, as a job runs the path.
  const loop = async () => {
    const t0 = performance.now();
    const result = await attributeOnce(executor, image, request);
    return { ms: performance.now() - t0, values: result.values };
  };
  await loop();

  const cacheDir = mkdtempSync(join(tmpdir(), 'pytorch-bench-cache-'));
  try {
    runCli(cacheDir); // Fills the graph cache: the rows below are warm-cache runs.
    const rows = { torch: [] as number[], loop: [] as number[], cli: [] as CliRun[], settled: [] as CliRun[] };
    let torchValues: number[] | undefined;
    let loopValues: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (torch) {
        const t = await torch.path(torchBatch, STEPS, r === 0);
        rows.torch.push(t.ms);
        torchValues ??= t.values;
        await pause(300);
      }
      const l = await loop();
      rows.loop.push(l.ms);
      loopValues = l.values;
      await pause(300);
      rows.cli.push(runCli(cacheDir));
      rows.settled.push(runCli(cacheDir, { extraArgs: ['--tolerance', '0.01', '--steps', '256'] }));
    }
    torch?.close();
    executor.dispose();

    const torchMs = rows.torch.length ? median(rows.torch) : NaN;
    const ratio = (ms: number) => (torch ? `${(ms / torchMs).toFixed(2)}x` : '-');
    const line = (what: string, ms: number[], note = '') => ({
      what,
      'median ms': Math.round(median(ms)),
      'best ms': Math.round(Math.min(...ms)),
      'vs PyTorch loop': ratio(median(ms)),
      note,
    });
    console.log(
      `\n${STEPS}-step left-Riemann path at ${LAYER}, images/224/dog_cat_composite.png, Pekinese - tiger cat; ` +
        `${rounds} interleaved rounds, ${threads} threads; load average now ${load()}`,
    );
    console.log(`CPU flags: ${cpuFlags()}; ${mallocLine()}`);
    const table: ReturnType<typeof line>[] = [];
    if (torch) table.push(line(`PyTorch ${version}, channels_last, batch ${torchBatch}, OpenMP ${torchWait} wait: path loop`, rows.torch));
    table.push(
      line(`project: warm path loop (estimator, batch ${request.batchSize})`, rows.loop),
      line(
        'project CLI --json: elapsedMs',
        rows.cli.map((c) => c.elapsedMs),
        `pathMs ${Math.round(median(rows.cli.map((c) => c.pathMs)))}`,
      ),
      line(
        'project CLI: process wall clock',
        rows.cli.map((c) => c.wallMs),
        `startupMs ${Math.round(median(rows.cli.map((c) => c.startupMs)))}`,
      ),
      line(
        'project CLI --tolerance 0.01: elapsedMs',
        rows.settled.map((c) => c.elapsedMs),
        `settled at ${rows.settled.map((c) => c.stepsDone).join('/')} steps`,
      ),
    );
    console.table(table);
    if (torch) {
      console.log(
        `Ratios to PyTorch's path loop (medians): warm path loop ${(median(rows.loop) / torchMs).toFixed(2)}x (target <= 1.0), ` +
          `CLI elapsedMs ${(median(rows.cli.map((c) => c.elapsedMs)) / torchMs).toFixed(2)}x (target <= 1.2); CPU flags: ${cpuFlags()}`,
      );
    }
    if (torchValues) {
      console.log(
        `Same computation: PyTorch's channel attributions vs the project's, relative L2 ${relativeL2(loopValues, torchValues).toExponential(1)}`,
      );
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

await main();
