import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueFullError } from '../../errors/queue-full-error.js';
import { QueueUnavailableError } from '../../errors/queue-unavailable-error.js';
import type { JobEvents } from '../job-events.js';
import { isTerminal, type JobRecord } from '../job-record.js';
import type { JobStore } from '../job-store.js';
import type { JobQueue, QueueStats } from '../job-queue.js';
import { jobImageIds } from '../multi-job.js';
import type { RedisKeys } from './redis-connection.js';

/** What a BullMQ job carries: the store holds the rest. */
export interface QueuedJobData {
  jobId: string;
  imageId: string;
  /** A helper: takes images of a multi-image job another worker leads (image-claims.ts). */
  helper?: boolean;
}

/** Images stay in Redis this long after their last job was queued. */
const IMAGE_TTL_S = 24 * 3600;
/** Queue counts for `stats` and `hasRoom` are refreshed this often (both must answer at once). */
const COUNTS_MS = 1000;
/** A cancelled running job stops after its current chunk; waiting longer than this is a lost worker. */
const CANCEL_WAIT_MS = 60_000;
const WAITING_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children']);

export interface BullMqJobQueueOptions {
  /** Fails fast while Redis is down: enqueueing must report the outage, not hang. */
  client: Redis;
  keys: RedisKeys;
  store: JobStore;
  events: JobEvents;
  /** Encoded bytes of an image, which travel to the workers through Redis. */
  imageBytes: (imageId: string) => Buffer | null;
  maxQueued: number;
}

/**
 * The API side of the BullMQ queue: adds jobs and cancels them. Workers (server/worker-main.ts,
 * any machine) take them, write the store and publish the events. The bound on waiting jobs is
 * checked against counts at most a second old, so instances racing for the last places can
 * overshoot it by a little.
 */
export class BullMqJobQueue implements JobQueue {
  readonly queue: Queue<QueuedJobData>;
  private counts = { queued: 0, running: 0, workers: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: BullMqJobQueueOptions) {
    this.queue = new Queue<QueuedJobData>(opts.keys.queueName, {
      connection: opts.client,
      prefix: opts.keys.prefix,
      skipWaitingForReady: true,
    });
    this.queue.on('error', () => undefined);
    this.timer = setInterval(() => void this.refreshCounts(), COUNTS_MS).unref();
    void this.refreshCounts();
  }

  private async refreshCounts() {
    try {
      const c = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      const workers = await this.queue.getWorkersCount();
      this.counts = { queued: c.waiting + c.prioritized + c.delayed, running: c.active, workers };
    } catch {
      // Redis is away: keep the last counts; /health says so.
    }
  }

  hasRoom(n: number) {
    return this.counts.queued + n <= this.opts.maxQueued;
  }

  stats(): QueueStats {
    return {
      queued: this.counts.queued,
      running: this.counts.running,
      maxQueued: this.opts.maxQueued,
      // Worker processes connected to the queue (their slots are not visible from here).
      concurrency: this.counts.workers,
    };
  }

  async enqueue(jobs: JobRecord[]): Promise<void> {
    if (!this.hasRoom(jobs.length)) throw new QueueFullError(this.opts.maxQueued, jobs.length);
    if (this.opts.client.status !== 'ready') throw new QueueUnavailableError(`Redis connection ${this.opts.client.status}`);
    try {
      for (const imageId of new Set(jobs.flatMap((j) => jobImageIds(j)))) {
        const bytes = this.opts.imageBytes(imageId);
        if (bytes) await this.opts.client.set(this.opts.keys.image(imageId), bytes, 'EX', IMAGE_TTL_S);
      }
      await this.queue.addBulk(
        jobs.map((job) => ({
          name: 'attribution',
          data: { jobId: job.id, imageId: job.input.imageId },
          // One attempt: engine errors are final. A worker that dies is BullMQ's stalled-job
          // handling (maxStalledCount on the workers), not an attempt.
          opts: { jobId: job.id, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } },
        })),
      );
    } catch (error) {
      throw new QueueUnavailableError((error as Error).message);
    }
    this.counts.queued += jobs.length;
  }

  async cancel(id: string): Promise<boolean> {
    const { store, events, keys, client } = this.opts;
    let queued;
    try {
      queued = await this.queue.getJob(id);
    } catch (error) {
      throw new QueueUnavailableError((error as Error).message);
    }
    const record = await store.get(id);
    if (!record || isTerminal(record.status)) return false;
    if (!queued) {
      // In the store but not in Redis (Redis lost its data): nothing can be running it.
      await this.finishCancelled(record);
      return true;
    }
    if (WAITING_STATES.has(await queued.getState())) {
      const removed = await queued.remove().then(
        () => true,
        () => false, // taken by a worker meanwhile: cancel it there
      );
      if (removed) {
        await this.finishCancelled(record);
        return true;
      }
    }
    // Running (or about to): the worker holding it checks the key between chunks and hears the channel.
    const finished = waitForTerminal(events, id, CANCEL_WAIT_MS);
    await client.set(keys.cancel(id), '1', 'EX', 3600);
    await client.publish(keys.cancelChannel, id);
    await finished;
    return true;
  }

  private async finishCancelled(job: JobRecord) {
    await this.opts.store.update(job.id, { status: 'CANCELLED', finishedAt: new Date() });
    this.opts.events.publish({ jobId: job.id, status: 'CANCELLED', stepsTotal: job.stepsTotal, snapshot: job.snapshot, error: null });
  }

  /** Jobs stay queued for the workers: other API instances carry on. */
  async close() {
    clearInterval(this.timer);
    await this.queue.close();
  }
}

/** Resolves at the job's terminal event, or after `ms` (the caller reads the store either way). */
async function waitForTerminal(events: JobEvents, jobId: string, ms: number) {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    for await (const event of events.subscribe(jobId, stop.signal)) if (isTerminal(event.status)) return;
  } finally {
    clearTimeout(timer);
  }
}
