import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { apiProcessPlan } from './jobs/redis/redis-scale-out.js';
import { jobLimits, serverSettings } from './settings.js';
import { EnginePool } from './workers/pool.js';
import { DEFAULT_MAX_QUEUED, MIN_CONCURRENCY } from './jobs/queue-defaults.js';
import { createApp, GRAPHQL_PATH } from './yoga.js';
import { REPO_ROOT } from './repo-root.js';
import { shutdownOnSignals } from './shutdown-on-signals.js';
import { describeModels } from './models/describe-models.js';

/** The URL to print for a bound address; a wildcard bind prints this machine's name. */
function listeningUrl({ address, family, port }: AddressInfo): { url: string; reach: string } {
  if (address === '0.0.0.0' || address === '::') return { url: `http://${hostname()}:${port}`, reach: 'all interfaces' };
  return {
    url: `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`,
    reach: address.startsWith('127.') || address === '::1' ? 'this machine only' : address,
  };
}

async function main() {
  const settings = serverSettings();
  const { port, host, dataDir, engine } = settings;
  const clientDir = join(REPO_ROOT, 'client', 'dist');

  const plan = apiProcessPlan(settings);
  const pool = await EnginePool.start({
    backend: engine.backend,
    modelDir: engine.modelDir,
    allowUnknownWeights: engine.allowUnknownWeights,
    size: engine.workers,
    executor: engine.executor,
    nice: engine.nice,
    modelsInMemory: engine.modelsInMemory,
  });
  const maxQueued = settings.maxQueued ?? DEFAULT_MAX_QUEUED;
  const app = await createApp({
    engine: pool,
    dataDir,
    examplesDir: settings.examplesDir,
    clientDir,
    maxQueued,
    concurrency: settings.jobConcurrency ?? Math.max(MIN_CONCURRENCY, pool.size),
    batchSize: engine.batchSize,
    jobBackends: plan.jobBackends?.(maxQueued),
    checkpointIntervalMs: settings.checkpointIntervalMs,
    spritesBackground: settings.spritesBackground,
    jobLimits: jobLimits(process.env),
    models: { ...settings.models, host },
  });
  const worker = plan.startWorker(app.store, { models: app.models, backend: pool.info.backend }, pool.size, settings.checkpointIntervalMs);
  const server = createServer(app.yoga);
  const wss = app.attachWebSockets(server);
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(new Error(`cannot listen on HOST ${host}, PORT ${port} (${e.code ?? e.message}).`)),
    );
    server.listen(port, host, ok);
  });
  const { url, reach } = listeningUrl(server.address() as AddressInfo);
  if (app.resumedAtStart) console.log(`${app.resumedAtStart} unfinished job(s) from the last run resumed`);
  console.log(`engine: ${pool.info.name} on ${pool.info.backend}, ${pool.size} worker(s); data in ${dataDir}`);
  console.log(await describeModels(app.models, settings.models.modelsDir));
  if (app.admin.refusal) console.warn(`models: ${app.admin.refusal}`);
  if (settings.scaleOut.redisUrl)
    console.log(
      `jobs on Redis (ROLE=${settings.role}${worker ? ', with a worker in this process' : ', API only'}), state in ${settings.scaleOut.databaseUrl ? 'PostgreSQL' : 'SQLite'}`,
    );
  console.log(`listening on ${url}${GRAPHQL_PATH} (GraphiQL, SSE and graphql-ws), dashboard at ${url}/; reachable from ${reach} (HOST)`);

  const { shutdownMs } = settings;
  shutdownOnSignals({
    deadlineMs: shutdownMs,
    plan: 'no new jobs or connections; running jobs stop after their chunk in flight',
    overdue: 'stored jobs and checkpoints stay',
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.close();
      await app.shutdown();
      // 1001 Going Away (RFC 6455): sent after the final events, which the socket has queued first.
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      // SSE responses end after their final event; let them flush, closing each connection once idle.
      const flushed = Date.now() + 2000;
      while (
        Date.now() < flushed &&
        !(await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))]))
      )
        server.closeIdleConnections();
      await app.close();
      // The renders app.close() cancelled end after their step in flight; the deadline bounds this.
      await pool.close(shutdownMs);
      server.closeAllConnections();
      console.log('stopped');
    },
  });
}

main().catch((e) => {
  console.error(`error: ${(e as Error)?.message ?? e}`);
  process.exit(1);
});
