import { join } from 'node:path';
import { gqlData } from '../test/server/helpers/graphql-client.js';
import { folderFiles, importModel } from '../test/server/helpers/model-import.js';
import { DOG_CAT, load, machine, runJob, startFreshServer, type JobRun } from './_sprites-server.js';

/**
 * Does a running job keep its pace while a model is imported? An import parses and checks an
 * untrusted ONNX file (protobuf decode, constant folding, shape inference, ONNX Runtime sessions):
 * seconds of CPU per model, done in a thread of its own at the lowest priority. The real server
 * (empty DATA_DIR); a warm-up job; then the same fixed-step job idle, with the shared GoogLeNet
 * export (28 MB) imported again and again until it ends, and idle again (A-B-A, so drift in the
 * machine's load shows). Beside it, the `model` query's latency every 100 ms: the event loop.
 * `npx tsx bench/job-pace-during-import.ts [--steps 400] [--chunk 20]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg('steps', '400'));
const chunkSteps = Number(arg('chunk', '20'));
const job = { ...DOG_CAT, steps, chunkSteps, rule: 'LEFT_RIEMANN' };
const EXPORT = join(import.meta.dirname, '..', '..', 'shared', 'models', 'googlenet-bvlc-onnx');
const bytes = folderFiles(EXPORT);
const size = [bytes.model, bytes.config, bytes.preprocessorConfig].reduce((n, f) => n + (f ? f[1].length : 0), 0);

const srv = await startFreshServer({ MAX_MODELS: '100' });

/** `model` query latencies (ms) every 100 ms until `stop` resolves. */
async function probe(stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const out: number[] = [];
  while (!done) {
    const t = performance.now();
    await gqlData(srv.url, '{ model { id layers { name } } }');
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

interface Row {
  run: string;
  r: JobRun;
  imports: number[];
  latency: number[];
  load: string;
}
const rows: Row[] = [];
let n = 0;
async function importsUntil(stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const seconds: number[] = [];
  while (!done) {
    const t = performance.now();
    const r = await importModel(srv.url, bytes, { id: `imported-${++n}` });
    if (r.status !== 200 || r.body.errors) throw new Error(`import failed: ${JSON.stringify(r.body).slice(0, 300)}`);
    seconds.push((performance.now() - t) / 1000);
  }
  return seconds;
}

async function measure(run: string, withImports: boolean) {
  let finish!: () => void;
  const ended = new Promise<void>((r) => (finish = r));
  const latency = probe(ended);
  const imports = withImports ? importsUntil(ended) : Promise.resolve([]);
  const r = await runJob(srv, job).finally(finish);
  rows.push({ run, r, imports: await imports, latency: await latency, load: load() });
}

try {
  await runJob(srv, { ...job, steps: 40 });
  // One import first: the import path's own code and ONNX Runtime are warm for the measured run.
  await importModel(srv.url, bytes, { id: 'warm-up' });
  await measure('idle', false);
  await measure('imports one after another', true);
  await measure('idle again', false);
} finally {
  await srv.close();
}

const rate = (r: JobRun) => r.snapshots / ((r.wallMs - r.firstSnapshotMs) / 1000);
const idle = (rate(rows[0].r) + rate(rows[2].r)) / 2;
console.log(
  `\nThe dog/cat PATH job at mixed4d (${steps} steps, a snapshot every ${chunkSteps}), idle vs. while the shared GoogLeNet export (${(size / 2 ** 20).toFixed(1)} MB) is imported over and over; ${machine()}`,
);
console.log(
  '| run | wall s | snapshots/s (after the first) | vs idle mean | imports done (s each) | `model` query p50 / p99 ms | load (1, 5, 15 min) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const { run, r, imports, latency, load: l } of rows) {
  const each = imports.length ? `${imports.length} (${imports.map((s) => s.toFixed(1)).join(', ')})` : '0';
  console.log(
    `| ${run} | ${(r.wallMs / 1000).toFixed(1)} | ${rate(r).toFixed(2)} | ${(rate(r) / idle).toFixed(3)} | ${each} | ${percentile(latency, 0.5).toFixed(1)} / ${percentile(latency, 0.99).toFixed(1)} | ${l} |`,
  );
}
