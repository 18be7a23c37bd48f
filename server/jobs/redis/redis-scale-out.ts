import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Engine } from '../../engine/engine.js';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { BullMqJobWorker, type BullMqJobWorkerOptions } from './bullmq-job-worker.js';
import type { JobEvents } from '../job-events.js';
import type { JobStore } from '../job-store.js';
import { PostgresJobStore } from '../sql/postgres-job-store.js';
import type { JobQueue } from '../job-queue.js';
import { connectRedis, RedisHealth, RedisKeys } from './redis-connection.js';
import { RedisJobEvents } from './redis-job-events.js';
import { SqliteJobStore } from '../sql/sqlite-job-store.js';

/** Where jobs go when they leave the process (docs/scale-out.md). */
export interface ScaleOutSettings {
  /** REDIS_URL: switches the queue and the events to Redis. */
  redisUrl: string | null;
  /** DATABASE_URL: job state in PostgreSQL instead of DATA_DIR/jobs.sqlite. */
  databaseUrl: string | null;
  /** REDIS_PREFIX: key prefix, so that deployments can share a Redis. */
  redisPrefix: string;
}

/** PostgreSQL when DATABASE_URL is set, else the SQLite file in `dataDir` (one machine only). */
export function openJobStore(settings: Pick<ScaleOutSettings, 'databaseUrl'>, dataDir: string): JobStore {
  if (settings.databaseUrl) return new PostgresJobStore({ connectionString: settings.databaseUrl });
  mkdirSync(dataDir, { recursive: true });
  return new SqliteJobStore(join(dataDir, 'jobs.sqlite'), { backgroundCheckpoints: true });
}

/** The store, queue and events of an API instance that shares its jobs through Redis. */
export interface JobBackends {
  store: JobStore;
  queue: JobQueue;
  events: JobEvents & { subscriberCount(jobId?: string): number };
  /** Merged into /health: `status` is `degraded` while Redis is away. */
  health(): Record<string, unknown>;
  close(): Promise<void>;
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
    worker,
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
    startWorker: (store: JobStore, engine: RedisWorkerOptions['engine'], concurrency: number, checkpointIntervalMs?: number) =>
      settings.redisUrl && role === 'all' ? startRedisWorker({ settings, store, engine, concurrency, checkpointIntervalMs, log }) : null,
  };
}
