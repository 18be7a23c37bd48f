import type { Redis } from 'ioredis';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { BullMqJobWorker, type BullMqJobWorkerOptions } from './bullmq-job-worker.js';
import type { JobBackends } from '../job-backends.js';
import type { JobStore } from '../job-store.js';
import { openJobStore } from '../sql/open-job-store.js';
import { connectRedis, RedisHealth, RedisKeys } from './redis-connection.js';
import { RedisJobEvents } from './redis-job-events.js';

/** Where jobs go when they leave the process (docs/scale-out.md). */
export interface ScaleOutSettings {
  /** REDIS_URL: switches the queue and the events to Redis. */
  redisUrl: string | null;
  /** DATABASE_URL: job state in PostgreSQL instead of DATA_DIR/jobs.sqlite. */
  databaseUrl: string | null;
  /** REDIS_PREFIX: key prefix, so that deployments can share a Redis. */
  redisPrefix: string;
}

/** Redis connections of one process: commands, subscriptions, and (workers) BullMQ's blocking one. */
class RedisClients {
  readonly all: Redis[] = [];
  constructor(private readonly url: string) {}
  open(opts: { failFast?: boolean; name: string }) {
    const c = connectRedis(this.url, opts);
    this.all.push(c);
    return c;
  }
  async close() {
    await Promise.all(this.all.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

export function createRedisJobBackends(opts: {
  settings: ScaleOutSettings;
  store: JobStore;
  imageBytes: (imageId: string) => Buffer | null;
  maxQueued: number;
  log?: (message: string, error?: unknown) => void;
}): JobBackends {
  const { settings, store } = opts;
  if (!settings.redisUrl) throw new Error('REDIS_URL is not set.');
  const keys = new RedisKeys(settings.redisPrefix);
  const clients = new RedisClients(settings.redisUrl);
  const commands = clients.open({ failFast: true, name: 'attribution-api' });
  const health = new RedisHealth(commands);
  const events = new RedisJobEvents({
    publishClient: clients.open({ name: 'attribution-api-pub' }),
    subscribeClient: clients.open({ name: 'attribution-api-sub' }),
    keys,
    log: opts.log,
  });
  const queue = new BullMqJobQueue({ client: commands, keys, store, events, imageBytes: opts.imageBytes, maxQueued: opts.maxQueued });
  return {
    store,
    queue,
    events,
    // The shared store's unfinished jobs are the workers': BullMQ hands a dead worker's jobs to another.
    resumeUnfinished: async () => 0,
    health: () => ({
      status: health.up ? 'ok' : 'degraded',
      redis: health.report(),
      database: settings.databaseUrl ? 'postgres' : 'sqlite',
    }),
    /** The app closes the queue and the store first. */
    close: async () => {
      events.close();
      await queue.close();
      await clients.close();
    },
  };
}

/** A worker's options without its connections, which it opens itself. */
export type RedisWorkerOptions = Omit<BullMqJobWorkerOptions, 'connection' | 'client' | 'subscriber' | 'keys' | 'events'> & {
  settings: ScaleOutSettings;
};

/** A compute worker on the BullMQ queue, with its own connections. */
export function startRedisWorker(opts: RedisWorkerOptions) {
  const { settings } = opts;
  if (!settings.redisUrl) throw new Error('REDIS_URL is not set.');
  const keys = new RedisKeys(settings.redisPrefix);
  const clients = new RedisClients(settings.redisUrl);
  const client = clients.open({ name: 'attribution-worker' });
  const health = new RedisHealth(client);
  const events = new RedisJobEvents({
    publishClient: client,
    subscribeClient: clients.open({ name: 'attribution-worker-events' }),
    keys,
    log: opts.log,
  });
  const worker = new BullMqJobWorker({
    ...opts,
    connection: clients.open({ name: 'attribution-worker-bullmq' }),
    client,
    subscriber: clients.open({ name: 'attribution-worker-cancel' }),
    keys,
    events,
  });
  return {
    waitUntilReady: () => worker.waitUntilReady(),
    onFinished: worker.onFinished.bind(worker),
    health,
    /** Lets running jobs finish (`force`: leaves them to other workers), then disconnects. */
    close: async (force = false) => {
      await worker.close(force);
      events.close();
      await clients.close();
    },
  };
}

/**
 * What `npm run serve` does with ROLE, REDIS_URL and DATABASE_URL (parsed in server/settings.ts).
 * Without REDIS_URL: everything in one process (the default). With it: ROLE=api serves the API
 * only (its engine threads decode images and answer predictions), ROLE=all (default) also runs a
 * worker on its own engine.
 */
export function apiProcessPlan(opts: { scaleOut: ScaleOutSettings; role: 'all' | 'api'; dataDir: string }) {
  const { scaleOut: settings, role, dataDir } = opts;
  const log = (message: string, error?: unknown) => console.error(message, error ?? '');
  return {
    jobBackends: settings.redisUrl
      ? (maxQueued: number) => (images: { bytes(id: string): { bytes: Buffer } | null }) =>
          createRedisJobBackends({
            settings,
            store: openJobStore(settings, dataDir),
            imageBytes: (id) => images.bytes(id)?.bytes ?? null,
            maxQueued,
            log,
          })
      : undefined,
    /** ROLE=all on Redis: a worker in this process too, sharing the engine and the store. */
    startWorker: (
      store: JobStore,
      engines: Pick<RedisWorkerOptions, 'models' | 'backend'>,
      concurrency: number,
      checkpointIntervalMs?: number,
    ) =>
      settings.redisUrl && role === 'all'
        ? startRedisWorker({ settings, store, ...engines, concurrency, checkpointIntervalMs, log })
        : null,
  };
}
