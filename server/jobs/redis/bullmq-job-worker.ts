import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine } from '../../engine/engine.js';
import { EngineError } from '../../errors/engine-error.js';
import type { QueuedJobData } from './bullmq-job-queue.js';
import type { JobEvents } from '../job-events.js';
import { isTerminal, type JobError, type JobStatus } from '../job-record.js';
import { JobRunner } from '../job-runner.js';
import { PromiseCache } from '../../promise-cache.js';
import type { JobStore } from '../job-store.js';
import type { RedisKeys } from './redis-connection.js';

/** Decoded inputs kept per worker process (0.6 MB each). */
const PIXEL_CACHE_SIZE = 8;

export interface BullMqJobWorkerOptions {
  /** Blocking connection for BullMQ (maxRetriesPerRequest: null). */
  connection: Redis;
  /** Commands: cancel keys, images. */
  client: Redis;
  /** Hears the cancel channel. */
  subscriber: Redis;
  keys: RedisKeys;
  store: JobStore;
  events: JobEvents;
  engine: Pick<Engine, 'info' | 'decodeImage' | 'run'>;
  /** Jobs at once in this process; the engine pool's size. */
  concurrency: number;
  /** BullMQ lock: a worker silent this long is taken for dead and its job handed on. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Times a job may be handed on after its worker died; the next time it ends INTERRUPTED. */
  maxStalledCount?: number;
  log?: (message: string, error?: unknown) => void;
}

/**
 * Takes jobs from the BullMQ queue and runs them through the JobRunner the in-process queue uses
 * (store, events, terminal state, step floor). A job whose worker died comes back through
 * BullMQ's stalled-job check and starts over.
 */
export class BullMqJobWorker {
  readonly worker: Worker<QueuedJobData>;
  private readonly running = new Map<string, AbortController>();
  private readonly pixelCache = new PromiseCache<Float32Array>(PIXEL_CACHE_SIZE);
  private readonly runner: JobRunner;

  constructor(private readonly opts: BullMqJobWorkerOptions) {
    this.runner = new JobRunner({
      store: opts.store,
      events: opts.events,
      backend: opts.engine.info.backend,
      execute: async (job, onSnapshot, signal) => opts.engine.run(await this.pixels(job.input.imageId), job.request, onSnapshot, signal),
      logName: 'worker',
      log: opts.log,
    });
    const { keys, subscriber } = opts;
    this.worker = new Worker<QueuedJobData>(keys.queueName, (job) => this.process(job), {
      connection: opts.connection,
      prefix: keys.prefix,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 1,
      name: `attribution-worker-${process.pid}`,
    });
    this.worker.on('error', (e) => opts.log?.('worker: redis error', e));
    // Jobs failed by BullMQ itself: a job whose workers kept dying, past maxStalledCount.
    this.worker.on('failed', (job, error) => {
      if (job) void this.interrupt(job.data.jobId, error?.message ?? 'failed').catch((e) => opts.log?.(`job ${job.data.jobId}: could not be marked INTERRUPTED`, e));
    });
    subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === keys.cancelChannel) this.running.get(jobId)?.abort();
    });
    // Again at every (re)connect: ioredis can lose a SUBSCRIBE sent before the connection is ready.
    const listen = () => void subscriber.subscribe(keys.cancelChannel).catch(() => undefined);
    subscriber.on('ready', listen);
    listen();
  }

  private async interrupt(jobId: string, reason: string) {
    const job = await this.opts.store.get(jobId);
    if (!job || isTerminal(job.status)) return;
    const error: JobError = {
      code: 'INTERRUPTED',
      message: `The workers running this job stopped ${(this.opts.maxStalledCount ?? 1) + 1} times (${reason}); it was not retried again.`,
    };
    await this.runner.finish(job, 'INTERRUPTED', job.snapshot, error);
  }

  private async process(bullJob: Job<QueuedJobData>): Promise<JobStatus | 'skipped'> {
    const { store, keys, client } = this.opts;
    const job = await store.get(bullJob.data.jobId);
    if (!job || isTerminal(job.status)) return 'skipped';
    const controller = new AbortController();
    this.running.set(job.id, controller);
    try {
      if (await client.exists(keys.cancel(job.id))) controller.abort();
      return await this.runner.run(job, controller.signal, {
        // A cancel whose message was lost (Redis away) is still seen here, between chunks.
        onChunk: () => void client.exists(keys.cancel(job.id)).then((n) => n && controller.abort(), () => undefined),
      });
    } finally {
      this.running.delete(job.id);
      await client.del(keys.cancel(job.id)).catch(() => undefined);
    }
  }

  /** The image travelled through Redis (encoded); decoded here once per process. */
  private pixels(imageId: string): Promise<Float32Array> {
    return this.pixelCache.get(imageId, () => this.opts.client.getBuffer(this.opts.keys.image(imageId)).then((bytes) => {
      if (!bytes) throw new EngineError('BAD_IMAGE', `The image ${imageId} is no longer in the queue's store; start the job again.`);
      return this.opts.engine.decodeImage(bytes).then((d) => d.pixels);
    }));
  }


  /** Jobs running now. */
  get active() {
    return this.running.size;
  }

  /** Stops taking jobs and lets the running ones finish (SIGTERM); `force` leaves them to other workers. */
  async close(force = false) {
    await this.worker.close(force);
  }
}
