import { Redis, type RedisOptions } from 'ioredis';

/** Key and channel names, all under one prefix (REDIS_PREFIX), so that deployments can share a Redis. */
export class RedisKeys {
  constructor(readonly prefix = 'attribution') {
    if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) throw new Error(`Bad REDIS_PREFIX "${prefix}".`);
  }
  /** BullMQ's queue name (BullMQ adds its own prefix, the same one). */
  readonly queueName = 'jobs';
  /** The latest event of a job, for late subscribers. */
  latest(jobId: string) {
    return `${this.prefix}:latest:${jobId}`;
  }
  /** Set when a job is cancelled; the worker holding it checks between chunks. */
  cancel(jobId: string) {
    return `${this.prefix}:cancel:${jobId}`;
  }
  /** Job ids to cancel, published as they are cancelled. */
  get cancelChannel() {
    return `${this.prefix}:cancel`;
  }
  /** Which worker runs one image of a multi-image job (its owner token, with a lease). */
  imageClaim(jobId: string, imageIndex: number) {
    return `${this.prefix}:claim:${jobId}:${imageIndex}`;
  }
  /** An image's encoded bytes, for workers on other machines. */
  image(imageId: string) {
    return `${this.prefix}:image:${imageId}`;
  }
}

/**
 * An ioredis connection that rides out an outage: commands wait for the reconnect instead of
 * failing (`maxRetriesPerRequest: null`, as BullMQ workers require), retries back off to 2 s.
 * `failFast` connections give up on a command after one reconnect attempt (a mutation must report
 * the outage, not hang); callers also check `status` first. (The offline queue stays on: ioredis
 * refuses MULTI without it, and BullMQ adds jobs in MULTIs.)
 */
export function connectRedis(url: string, opts: { failFast?: boolean; name?: string } = {}): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    connectionName: opts.name,
    lazyConnect: false,
  };
  const client = new Redis(url, options);
  // Errors are reported through RedisHealth and the calls that fail; an 'error' event without a
  // listener would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Whether Redis answers, for /health: follows a connection's events. */
export class RedisHealth {
  private lastError: string | null = null;
  private downSince: number | null = null;

  constructor(private readonly client: Redis) {
    client.on('ready', () => {
      this.downSince = null;
    });
    client.on('error', (e: Error) => {
      this.lastError = e.message;
      this.downSince ??= Date.now();
    });
    client.on('close', () => {
      this.downSince ??= Date.now();
    });
  }

  get up() {
    return this.client.status === 'ready';
  }

  report() {
    return this.up
      ? { status: 'up' as const }
      : {
          status: 'down' as const,
          since: this.downSince ? new Date(this.downSince).toISOString() : null,
          error: this.lastError ?? this.client.status,
        };
  }
}
