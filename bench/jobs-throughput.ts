import { loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gqlData } from '../test/server/helpers/graphql-client.js';
import { startProcess, stopProcess, type Proc } from '../test/scale-out/helpers/processes.js';
import { missingServices, startPostgres, startRedis } from '../test/scale-out/helpers/services.js';

/**
 * Jobs per minute through the scale-out path (docs/scale-out.md): one API instance (ROLE=api),
 * Redis, PostgreSQL, and 1 then 2 workers (`npm run worker`, one engine thread pool each) on this
 * machine. Each run queues JOBS jobs at once and times first enqueue to last SUCCEEDED, after a
 * warm-up job per worker (ONNX session compile). `npx tsx bench/jobs-throughput.ts [--jobs N]
 * [--steps S] [--layer L] [--workers 1,2]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const JOBS = Number(arg('jobs', '12'));
const STEPS = Number(arg('steps', '50'));
const LAYER = arg('layer', 'mixed4d');
const WORKER_COUNTS = arg('workers', '1,2').split(',').map(Number);

const START = `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }`;
const STATUS = `query ($id: ID!) { job(id: $id) { status startedAt finishedAt createdAt error { message } } }`;
const input = (seed: number) => ({
  imageId: 'example-dog_cat_composite',
  layer: LAYER,
  method: 'PATH',
  class1: 'Labrador retriever',
  class2: 'tiger cat',
  steps: STEPS,
  seed,
});

async function runJobs(url: string, n: number, seed0: number) {
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await gqlData(url, START, { input: input(seed0 + i) })).startAttribution.id);
  const latencies: number[] = [];
  for (const id of ids) {
    for (;;) {
      const job = (await gqlData(url, STATUS, { id })).job;
      if (job.status === 'SUCCEEDED') {
        latencies.push(Date.parse(job.finishedAt) - Date.parse(job.createdAt));
        break;
      }
      if (job.status !== 'QUEUED' && job.status !== 'RUNNING') throw new Error(`job ${id}: ${job.status} ${job.error?.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { wallMs: Date.now() - t0, latencies };
}

async function main() {
  const skip = missingServices();
  if (skip) {
    console.log(`bench/jobs-throughput.ts ${skip}`);
    return;
  }
  const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-throughput-'));
  const procs: Proc[] = [];
  const env = { REDIS_URL: redis.url, DATABASE_URL: pg.url, REDIS_PREFIX: 'bench', ENGINE_WORKERS: '1', DATA_DIR: dataDir };
  const rows: string[][] = [];
  try {
    const api = await startProcess(
      'server/main.ts',
      { ...env, ROLE: 'api', PORT: '0' },
      /listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/,
    );
    procs.push(api);
    const url = `http://127.0.0.1:${api.match[1]}/graphql`;
    const workers: Proc[] = [];
    let seed = 0;
    for (const count of WORKER_COUNTS) {
      while (workers.length < count) {
        const w = await startProcess('server/worker-main.ts', env, /worker ready/);
        workers.push(w);
        procs.push(w);
      }
      while (workers.length > count) await stopProcess(workers.pop()!);
      await runJobs(url, count, (seed += 100)); // warm-up: one job per worker
      const load = loadavg()[0];
      const { wallMs, latencies } = await runJobs(url, JOBS, (seed += 100));
      const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
      rows.push([
        String(count),
        String(JOBS),
        (wallMs / 1000).toFixed(1),
        ((JOBS / wallMs) * 60_000).toFixed(1),
        (mean / 1000).toFixed(1),
        load.toFixed(2),
      ]);
    }
  } finally {
    await Promise.all(procs.map((p) => stopProcess(p)));
    await Promise.all([redis.stop(), pg.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(
    `\nJobs per minute: PATH at ${LAYER}, ${STEPS} steps, ${JOBS} jobs queued at once; 1 API (ROLE=api), Redis, PostgreSQL, all on this machine (${(await import('node:os')).availableParallelism()} cores)`,
  );
  const head = ['workers', 'jobs', 'wall s', 'jobs/min', 'mean latency s', 'load avg before'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
