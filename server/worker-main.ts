import { startRedisWorker } from './jobs/redis/redis-scale-out.js';
import { openJobStore } from './jobs/sql/open-job-store.js';
import { shutdownOnSignals } from './shutdown-on-signals.js';
import { workerSettings } from './settings.js';
import { EnginePool } from './workers/pool.js';
import { describeModels } from './models/describe-models.js';
import { ModelCatalog } from './models/model-catalog.js';
import { ModelRegistry } from './models/model-registry.js';

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
    allowUnknownWeights: s.engine.allowUnknownWeights,
    size: s.engine.workers,
    executor: s.engine.executor,
    nice: s.engine.nice,
    modelsInMemory: s.engine.modelsInMemory,
  });
  // The models the API instances import into MODELS_DIR (a shared volume), read afresh for each job.
  const registry = new ModelRegistry({ builtinDir: pool.defaultModel.path, ...s.models });
  const models = new ModelCatalog(registry, pool);
  const log = (message: string, error?: unknown) => console.error(message, error ?? '');
  const worker = startRedisWorker({
    settings,
    store,
    models,
    backend: pool.info.backend,
    concurrency: s.concurrency ?? pool.size,
    lockDurationMs: s.lockDurationMs,
    stalledIntervalMs: s.stalledIntervalMs,
    maxStalledCount: s.maxStalledCount,
    checkpointIntervalMs: s.checkpointIntervalMs,
    log,
  });
  worker.onFinished((jobId, status) => console.log(`job ${jobId}: ${status}`));
  await worker.waitUntilReady();
  console.log(await describeModels(models, s.models.modelsDir));
  console.log(
    `worker ready: ${pool.info.name} on ${pool.info.backend}, ${pool.size} engine thread(s); queue on ${settings.redisUrl.replace(/\/\/[^@]*@/, '//')}, jobs in ${settings.databaseUrl ? 'PostgreSQL' : 'SQLite'}`,
  );

  // A second signal does not wait for the chunks in flight: BullMQ's stalled check hands the
  // jobs on, and they resume from their last stored checkpoint.
  shutdownOnSignals({
    deadlineMs: s.shutdownMs,
    plan: 'taking no new jobs; running ones stop after their chunk in flight and go back to the queue with a checkpoint',
    overdue: 'the jobs resume elsewhere from their last checkpoint',
    stop: async () => {
      await worker.close();
      await store.close();
      await pool.close(s.shutdownMs);
    },
  });
}

main().catch((e) => {
  console.error(`error: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
