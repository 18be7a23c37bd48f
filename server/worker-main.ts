import { openJobStore, startRedisWorker } from './jobs/redis/redis-scale-out.js';
import { workerSettings } from './settings.js';
import { EnginePool } from './workers/pool.js';

/**
 * `npm run worker`: a compute-only process. Loads the model, takes jobs from the BullMQ queue on
 * REDIS_URL, writes them to the job database (DATABASE_URL, or DATA_DIR/jobs.sqlite on the API's
 * machine) and publishes their snapshots. Any number may run, on any machine (docs/scale-out.md).
 */
async function main() {
  const s = workerSettings();
  const settings = s.scaleOut;
  const store = openJobStore(settings, s.dataDir);
  const pool = await EnginePool.start({
    backend: s.engine.backend,
    modelDir: s.engine.modelDir,
    size: s.engine.workers,
    executor: s.engine.executor,
    nice: s.engine.nice,
  });
  const log = (message: string, error?: unknown) => console.error(message, error ?? '');
  const worker = startRedisWorker({
    settings,
    store,
    engine: pool,
    concurrency: s.concurrency ?? pool.size,
    lockDurationMs: s.lockDurationMs,
    stalledIntervalMs: s.stalledIntervalMs,
    maxStalledCount: s.maxStalledCount,
    checkpointIntervalMs: s.checkpointIntervalMs,
    log,
  });
  worker.worker.worker.on('completed', (job, status) => console.log(`job ${job.data.jobId}: ${status}`));
  await worker.worker.worker.waitUntilReady();
  console.log(
    `worker ready: ${pool.info.name} on ${pool.info.backend}, ${pool.size} engine thread(s); queue on ${settings.redisUrl.replace(/\/\/[^@]*@/, '//')}, jobs in ${settings.databaseUrl ? 'PostgreSQL' : 'SQLite'}`,
  );

  let stopping = false;
  const { shutdownMs } = s;
  const stop = async (signal: string) => {
    // A second signal does not wait for the chunks in flight: BullMQ's stalled check hands the
    // jobs on, and they resume from their last stored checkpoint.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(
      `${signal}: shutting down within ${shutdownMs} ms: taking no new jobs; running ones stop after their chunk in flight and go back to the queue with a checkpoint`,
    );
    const deadline = setTimeout(() => {
      console.error(`shutdown took over ${shutdownMs} ms: exiting now; the jobs resume elsewhere from their last checkpoint`);
      process.exit(1);
    }, shutdownMs);
    await worker.close();
    await store.close();
    await pool.close(shutdownMs);
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`error: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
