import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Snapshot } from '../../engine/attribution/types.js';
import type { Engine } from '../../engine/engine.js';
import { EngineError, isEngineError } from '../../errors/engine-error.js';
import { INTERNAL_ERROR_CODE, publicError } from '../../errors/error-codes.js';
import type { QueuedJobData } from './bullmq-job-queue.js';
import type { JobEvents } from '../job-events.js';
import { isTerminal, type JobError, type JobRecord, type JobStatus } from '../job-record.js';
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
 * Takes jobs from the BullMQ queue and runs them on the engine, writing the store and publishing
 * events as the in-process queue does. A job whose worker died comes back through BullMQ's
 * stalled-job check and starts over; its snapshots are only published past the steps already
 * shown, so subscribers never see `stepsDone` go back.
 */
export class BullMqJobWorker {
  readonly worker: Worker<QueuedJobData>;
  private readonly running = new Map<string, AbortController>();
  private readonly pixelCache = new Map<string, Promise<Float32Array>>();

  constructor(private readonly opts: BullMqJobWorkerOptions) {
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
    await this.finish(job, 'INTERRUPTED', job.snapshot, error);
  }

  private async process(bullJob: Job<QueuedJobData>): Promise<JobStatus | 'skipped'> {
    const { store, events, keys, client, engine } = this.opts;
    const job = await store.get(bullJob.data.jobId);
    if (!job || isTerminal(job.status)) return 'skipped';
    const controller = new AbortController();
    this.running.set(job.id, controller);
    try {
      if (await client.exists(keys.cancel(job.id))) controller.abort();
      // What subscribers may already have seen, from a worker that died holding this job.
      const floor = job.stepsDone;
      await store.update(job.id, { status: 'RUNNING', startedAt: job.startedAt ?? new Date(), backend: engine.info.backend });
      events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot: job.snapshot, error: null });

      // Snapshot writes are chained so that the final write can never be overtaken by an older one.
      let writes = Promise.resolve();
      let latest: Snapshot | null = job.snapshot;
      const onSnapshot = (snapshot: Snapshot) => {
        // A cancel whose message was lost (Redis away) is still seen here, between chunks.
        void client.exists(keys.cancel(job.id)).then((n) => n && controller.abort(), () => undefined);
        if (snapshot.stepsDone <= floor && !snapshot.done) return;
        latest = snapshot;
        writes = writes.then(() => store.saveSnapshot(job.id, snapshot));
        // The final snapshot is published once, with the terminal status, after the result is stored.
        if (!snapshot.done) events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot, error: null });
      };

      try {
        if (controller.signal.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
        const pixels = await this.pixels(bullJob.data.imageId);
        const result = await engine.run(pixels, job.request, onSnapshot, controller.signal);
        await writes;
        const { spatial, integratedGradient: _gradient, backend, layer: _layer, ...snapshot } = result;
        await store.saveSnapshot(job.id, snapshot);
        await store.saveSpatial(job.id, spatial);
        await store.update(job.id, { backend });
        await this.finish(job, 'SUCCEEDED', snapshot, null);
        return 'SUCCEEDED';
      } catch (error) {
        await writes.catch(() => undefined);
        if (controller.signal.aborted && (!isEngineError(error) || error.code === 'CANCELLED')) {
          await this.finish(job, 'CANCELLED', latest, null);
          return 'CANCELLED';
        }
        await this.finish(job, 'FAILED', latest, this.jobError(job, error));
        return 'FAILED';
      }
    } finally {
      this.running.delete(job.id);
      await client.del(keys.cancel(job.id)).catch(() => undefined);
    }
  }

  /** The image travelled through Redis (encoded); decoded here once per process. */
  private pixels(imageId: string): Promise<Float32Array> {
    const cached = this.pixelCache.get(imageId);
    if (cached) return cached;
    const p = this.opts.client.getBuffer(this.opts.keys.image(imageId)).then((bytes) => {
      if (!bytes) throw new EngineError('BAD_IMAGE', `The image ${imageId} is no longer in the queue's store; start the job again.`);
      return this.opts.engine.decodeImage(bytes).then((d) => d.pixels);
    });
    this.pixelCache.set(imageId, p);
    p.catch(() => this.pixelCache.get(imageId) === p && this.pixelCache.delete(imageId));
    while (this.pixelCache.size > PIXEL_CACHE_SIZE) this.pixelCache.delete(this.pixelCache.keys().next().value!);
    return p;
  }

  private jobError(job: JobRecord, error: unknown): JobError {
    const pub = publicError(error);
    if (pub) return { code: pub.code, message: pub.message };
    this.opts.log?.(`job ${job.id} failed`, error);
    return { code: INTERNAL_ERROR_CODE, message: 'The job failed unexpectedly. The worker log has the details.' };
  }

  private async finish(job: JobRecord, status: JobStatus, snapshot: Snapshot | null, error: JobError | null) {
    // The store is written before the terminal event, as in the in-process queue.
    await this.opts.store.update(job.id, { status, finishedAt: new Date(), error });
    this.opts.events.publish({ jobId: job.id, status, stepsTotal: job.stepsTotal, snapshot, error });
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
