import { randomUUID } from 'node:crypto';
import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Engine, Models } from '../../engine/engine.js';
import { EngineError } from '../../errors/engine-error.js';
import type { QueuedJobData } from './bullmq-job-queue.js';
import type { JobEvents } from '../job-events.js';
import { isTerminal, type JobError, type JobRecord, type JobStatus } from '../job-record.js';
import { JobRunner, type RunOutcome } from '../job-runner.js';
import { JobExecution } from '../multi-job.js';
import { PromiseCache } from '../../promise-cache.js';
import type { JobStore } from '../job-store.js';
import type { RedisKeys } from './redis-connection.js';
import { RedisImageClaims } from './redis-image-claims.js';

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
  /** Every model's engine (MODELS_DIR, shared with the API instances): a job runs on its own. */
  models: Models;
  /** The executor the engine runs (engine.info.backend), stored as each job's backend. */
  backend: string;
  /** Jobs at once in this process; the engine pool's size. */
  concurrency: number;
  /** BullMQ lock: a worker silent this long is taken for dead and its job handed on. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Times a job may be handed on after its worker died; the next time it ends INTERRUPTED. */
  maxStalledCount?: number;
  /** Least time between two checkpoints of a running job (CHECKPOINT_INTERVAL_MS). */
  checkpointIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
}

/**
 * Takes jobs from the BullMQ queue and runs them through the JobRunner the in-process queue uses
 * (store, events, terminal state, step floor). A job whose worker died comes back through
 * BullMQ's stalled-job check and starts over.
 */
export class BullMqJobWorker {
  private readonly worker: Worker<QueuedJobData>;
  private readonly running = new Map<string, AbortController>();
  /** A user's cancel of a running job (its key or the channel), told apart from a shutdown's stop. */
  private readonly cancels = new Map<string, () => void>();
  /** Helpers running here, by their own key, with the job they help (a cancel of the job stops them). */
  private readonly helperCancels = new Map<string, { jobId: string; abort: () => void }>();
  /** Set by a graceful close: stopped jobs go back to the queue, checkpointed, instead of ending CANCELLED. */
  private suspending = false;
  private readonly pixelCache = new PromiseCache<Float32Array>(PIXEL_CACHE_SIZE);
  private readonly runner: JobRunner;
  private readonly execution: JobExecution;
  /** Where this worker recruits helpers for its multi-image jobs. */
  private readonly helpers: Queue<QueuedJobData>;

  constructor(private readonly opts: BullMqJobWorkerOptions) {
    this.helpers = new Queue<QueuedJobData>(opts.keys.queueName, { connection: opts.client, prefix: opts.keys.prefix });
    this.execution = new JobExecution({
      models: opts.models,
      pixels: (id, engine) => this.pixels(id, engine),
      store: opts.store,
      // A multi-image job's images spread over the workers; a claim outlives a silent worker as long as its job lock does.
      claims: new RedisImageClaims(opts.client, opts.keys, this.helpers, opts.lockDurationMs ?? 30_000),
      log: (m) => opts.log?.(m),
    });
    this.runner = new JobRunner({
      store: opts.store,
      events: opts.events,
      backend: opts.backend,
      execute: this.execution.execute,
      logName: 'worker',
      checkpointIntervalMs: opts.checkpointIntervalMs,
      log: opts.log,
    });
    const { keys, subscriber } = opts;
    this.worker = new Worker<QueuedJobData>(keys.queueName, (job, token) => this.process(job, token), {
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
      if (job)
        void this.interrupt(job.data.jobId, error?.message ?? 'failed').catch((e) =>
          opts.log?.(`job ${job.data.jobId}: could not be marked INTERRUPTED`, e),
        );
    });
    subscriber.on('message', (channel: string, jobId: string) => {
      if (channel !== keys.cancelChannel) return;
      this.cancels.get(jobId)?.();
      for (const h of this.helperCancels.values()) if (h.jobId === jobId) h.abort();
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

  private async process(bullJob: Job<QueuedJobData>, token?: string): Promise<JobStatus | 'skipped' | 'helped'> {
    const { store, keys, client } = this.opts;
    const job = await store.get(bullJob.data.jobId);
    if (!job || isTerminal(job.status)) return 'skipped';
    if (bullJob.data.helper) return this.help(job);
    const controller = new AbortController();
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      controller.abort();
    };
    this.running.set(job.id, controller);
    this.cancels.set(job.id, cancel);
    try {
      if (await client.exists(keys.cancel(job.id))) cancel();
      const outcome: RunOutcome = await this.runner.run(job, controller.signal, {
        // A cancel whose message was lost (Redis away) is still seen here, between chunks.
        onChunk: () =>
          void client.exists(keys.cancel(job.id)).then(
            (n) => n && cancel(),
            () => undefined,
          ),
        stopping: () => this.suspending && !cancelled,
      });
      if (outcome === 'SUSPENDED') {
        // Shutting down: the job is RUNNING in the store with its checkpoint; back in the queue,
        // another worker (or this one once back) resumes it. WaitingError tells BullMQ it moved.
        if (token) await bullJob.moveToWait(token);
        throw new WaitingError();
      }
      return outcome;
    } finally {
      this.cancels.delete(job.id);
      this.running.delete(job.id);
      await client.del(keys.cancel(job.id)).catch(() => undefined);
    }
  }

  /**
   * Takes images of a multi-image job another worker leads, until none is left unclaimed; each is
   * stored as it finishes, and the lead streams it. A cancel or shutdown stops it between images
   * (the image in flight is aborted and its claim let go, so another worker runs it).
   */
  private async help(job: JobRecord): Promise<'helped'> {
    const { store, keys, client } = this.opts;
    const controller = new AbortController();
    const key = `${job.id}:helper:${randomUUID()}`;
    this.running.set(key, controller);
    const stopped = async () =>
      this.suspending || (await client.exists(keys.cancel(job.id))) > 0 || isTerminal((await store.get(job.id))?.status ?? 'CANCELLED');
    const off = () => controller.abort();
    this.helperCancels.set(key, { jobId: job.id, abort: off });
    try {
      await this.execution.help(job, controller.signal, stopped);
    } catch (error) {
      // The lead sees a helper's failure as an image still to run (its claim is let go): it runs it itself.
      if (!controller.signal.aborted) this.opts.log?.(`job ${job.id}: a helper's image failed`, error);
    } finally {
      this.helperCancels.delete(key);
      this.running.delete(key);
    }
    return 'helped';
  }

  /** The image travelled through Redis (encoded); decoded here once per process and model. */
  private pixels(imageId: string, engine: Engine): Promise<Float32Array> {
    return this.pixelCache.get(`${imageId}:${engine.info.key}`, () =>
      this.opts.client.getBuffer(this.opts.keys.image(imageId)).then((bytes) => {
        if (!bytes) throw new EngineError('BAD_IMAGE', `The image ${imageId} is no longer in the queue's store; start the job again.`);
        return engine.decodeImage(bytes).then((d) => d.pixels);
      }),
    );
  }

  /** Jobs running now. */
  get active() {
    return this.running.size;
  }

  /**
   * SIGTERM: stops taking jobs; running ones stop after their chunk in flight, checkpointed, and
   * go back to the queue for another worker. `force` does not wait for that chunk: BullMQ's
   * stalled check hands the jobs on, and they resume from their last stored checkpoint.
   */
  /** Resolves once the worker is connected and taking jobs. */
  waitUntilReady(): Promise<void> {
    return this.worker.waitUntilReady().then(() => undefined);
  }

  /** Hears every job this worker finished, with how it ended (`skipped`: not run here, e.g. already terminal). */
  onFinished(listener: (jobId: string, status: JobStatus | 'skipped') => void) {
    this.worker.on('completed', (job, status) => listener(job.data.jobId, status));
  }

  async close(force = false) {
    this.suspending = true;
    for (const controller of this.running.values()) controller.abort();
    await this.worker.close(force);
    await this.helpers.close();
  }
}
