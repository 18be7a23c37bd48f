import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobInput, JobRecord } from '../server/jobs/job-record.js';
import { isTerminal } from '../server/jobs/job-record.js';
import { EnginePool } from '../server/workers/pool.js';
import { createApp, type App } from '../server/yoga.js';
import { engineSettings } from '../server/settings.js';
import { mallocLine } from './_machine.js';

/** The CPU line every bench table carries: model, cores and AVX-512 flags, and the load now. */
export function machineLine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpu)?.[1] ?? 'unknown CPU';
  const cores = (cpu.match(/^processor/gm) ?? []).length;
  const avx512 = [...new Set(cpu.match(/avx512[a-z_0-9]*/g) ?? [])].sort().join(' ') || 'none';
  return `${model}, ${cores} cores, avx512: ${avx512}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${mallocLine()}`;
}

/** The embedded server's job service on a fresh DATA_DIR (an ONNX engine pool, the in-process queue), as a user's API calls reach it. */
export async function benchApp(examplesDir: string): Promise<{ app: App; pool: EnginePool; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-jobs-'));
  const engine = engineSettings(process.env);
  const pool = await EnginePool.start({ size: 1, backend: 'onnx', executor: engine.executor });
  const app = await createApp({ engine: pool, dataDir, examplesDir, logging: false, batchSize: engine.batchSize });
  return {
    app,
    pool,
    close: async () => {
      await app.close();
      await pool.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the jobs (all at once, as a user queueing them would) and waits for all; wall time from the first start to the last end. */
export async function runJobs(app: App, inputs: JobInput[]): Promise<{ ms: number; jobs: JobRecord[] }> {
  const t0 = performance.now();
  const started: JobRecord[] = [];
  for (const input of inputs) started.push(await app.jobs.start(input));
  const jobs = await Promise.all(started.map((j) => waitFor(app, j.id)));
  return { ms: performance.now() - t0, jobs };
}

/** Runs each job after the previous one ended (a script calling the API in a loop). */
export async function runJobsInTurn(app: App, inputs: JobInput[]): Promise<{ ms: number; jobs: JobRecord[] }> {
  const t0 = performance.now();
  const jobs: JobRecord[] = [];
  for (const input of inputs) jobs.push(await waitFor(app, (await app.jobs.start(input)).id));
  return { ms: performance.now() - t0, jobs };
}

/**
 * Waits for a job's end as a client does, on its progress stream (what the subscriptions
 * deliver), rather than polling the store: reading a multi-layer job's record 50 times a second
 * parses every layer's estimate each time, on the thread the jobs' own work needs.
 */
async function waitFor(app: App, id: string): Promise<JobRecord> {
  // A signal of its own: the stream then listens on a combined signal, not on the service's
  // shutdown signal directly (32 jobs waited on at once would pass Node's listener warning).
  for await (const event of app.jobs.progress(id, new AbortController().signal)) if (isTerminal(event.status)) break;
  const job = (await app.jobs.get(id))!;
  if (job.status !== 'SUCCEEDED') throw new Error(`job ${id} ${job.status}: ${job.error?.message}`);
  return job;
}
