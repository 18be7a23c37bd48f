import { resolve } from 'node:path';
import { parseBackendChoice } from './engine/executors/index.js';
import { locateModelDir } from './engine/network/model-source.js';
import { openJobStore, scaleOutSettings, startRedisWorker } from './jobs/redis-scale-out.js';
import { EnginePool } from './workers/pool.js';
import { intFromEnv } from './env-settings.js';

/**
 * `npm run worker`: a compute-only process. Loads the model, takes jobs from the BullMQ queue on
 * REDIS_URL, writes them to the job database (DATABASE_URL, or DATA_DIR/jobs.sqlite on the API's
 * machine) and publishes their snapshots. Any number may run, on any machine (docs/scale-out.md).
 */
async function main() {
  const settings = scaleOutSettings();
  if (!settings.redisUrl) throw new Error('REDIS_URL is not set: a worker takes its jobs from Redis (docs/scale-out.md).');
  const store = openJobStore(settings, resolve(process.env.DATA_DIR ?? 'data'));
  const pool = await EnginePool.start({ backend: parseBackendChoice(process.env.ENGINE_BACKEND), modelDir: locateModelDir() });
  const log = (message: string, error?: unknown) => console.error(message, error ?? '');
  const worker = startRedisWorker({
    settings,
    store,
    engine: pool,
    concurrency: intFromEnv('WORKER_CONCURRENCY', pool.size, 1),
    lockDurationMs: intFromEnv('WORKER_LOCK_MS', 30_000, 1000),
    stalledIntervalMs: intFromEnv('WORKER_STALLED_INTERVAL_MS', 30_000, 500),
    maxStalledCount: intFromEnv('WORKER_MAX_STALLED', 1, 0),
    log,
  });
  worker.worker.worker.on('completed', (job, status) => console.log(`job ${job.data.jobId}: ${status}`));
  await worker.worker.worker.waitUntilReady();
  console.log(`worker ready: ${pool.info.name} on ${pool.info.backend}, ${pool.size} engine thread(s); queue on ${settings.redisUrl.replace(/\/\/[^@]*@/, '//')}, jobs in ${settings.databaseUrl ? 'PostgreSQL' : 'SQLite'}`);

  let stopping = false;
  const stop = async (signal: string) => {
    // A second signal leaves the running jobs to other workers (BullMQ hands them on).
    const force = stopping;
    stopping = true;
    console.log(`${signal}: ${force ? 'leaving running jobs to other workers' : 'finishing running jobs, taking no new ones'}`);
    await worker.close(force);
    await store.close();
    await pool.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`error: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
