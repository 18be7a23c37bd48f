import type { AttributionResult, Snapshot } from '../engine/attribution/types.js';
import { isEngineError } from '../errors/engine-error.js';
import { INTERNAL_ERROR_CODE, publicError } from '../errors/error-codes.js';
import { QueueFullError } from '../errors/queue-full-error.js';
import type { JobEvents } from './job-events.js';
import type { JobError, JobRecord, JobStatus } from './job-record.js';
import type { JobStore } from './job-store.js';

/** Runs one job on the engine; rejects with EngineError CANCELLED once `signal` aborts (after the current chunk). */
export type JobExecutor = (
  job: JobRecord,
  onSnapshot: (snapshot: Snapshot) => void,
  signal: AbortSignal,
) => Promise<AttributionResult>;

export interface QueueStats {
  queued: number;
  running: number;
  maxQueued: number;
  concurrency: number;
}

/**
 * FIFO of jobs in front of the engine. The schema only sees this interface, so a BullMQ queue with
 * workers on other machines can replace the in-process one.
 */
export interface JobQueue {
  /**
   * Adds stored QUEUED jobs at the back, all or none. Throws QueueFullError past the bound
   * (a queue on Redis resolves once they are there, or rejects with QueueUnavailableError).
   */
  enqueue(jobs: JobRecord[]): void | Promise<void>;
  /** Has room for `n` more jobs. */
  hasRoom(n: number): boolean;
  /**
   * Cancels a queued or running job; resolves once it has stopped (a running job finishes its
   * current chunk first). False when the job is neither queued nor running here.
   */
  cancel(id: string): Promise<boolean>;
  stats(): QueueStats;
  /** Stops starting jobs; queued and running ones become INTERRUPTED. */
  close(): Promise<void>;
}

interface Running {
  controller: AbortController;
  settled: Promise<void>;
}

export interface InProcessQueueOptions {
  store: JobStore;
  events: JobEvents;
  execute: JobExecutor;
  /** Waiting jobs allowed (MAX_QUEUED); running ones do not count. */
  maxQueued: number;
  /** Jobs running at once: more than the worker pool's size only makes jobs wait inside the pool. */
  concurrency: number;
  /** Reported as the job's backend from the moment it starts. */
  backend?: string;
  log?: (message: string, error?: unknown) => void;
}

export class InProcessJobQueue implements JobQueue {
  private readonly pending: JobRecord[] = [];
  private readonly running = new Map<string, Running>();
  private closing = false;

  constructor(private readonly opts: InProcessQueueOptions) {
    if (!(opts.maxQueued >= 0) || !(opts.concurrency >= 1)) {
      throw new Error(`Bad queue limits: maxQueued ${opts.maxQueued}, concurrency ${opts.concurrency}.`);
    }
  }

  hasRoom(n: number) {
    return this.pending.length + n <= this.opts.maxQueued;
  }

  enqueue(jobs: JobRecord[]) {
    if (this.closing) throw new Error('The queue is closed.');
    if (!this.hasRoom(jobs.length)) throw new QueueFullError(this.opts.maxQueued, jobs.length);
    this.pending.push(...jobs);
    this.pump();
  }

  stats(): QueueStats {
    return {
      queued: this.pending.length,
      running: this.running.size,
      maxQueued: this.opts.maxQueued,
      concurrency: this.opts.concurrency,
    };
  }

  async cancel(id: string): Promise<boolean> {
    const index = this.pending.findIndex((j) => j.id === id);
    if (index >= 0) {
      const [job] = this.pending.splice(index, 1);
      await this.finish(job, 'CANCELLED', null, null);
      return true;
    }
    const run = this.running.get(id);
    if (!run) return false;
    run.controller.abort();
    await run.settled;
    return true;
  }

  async close() {
    this.closing = true;
    const waiting = this.pending.splice(0);
    for (const job of waiting) await this.finish(job, 'INTERRUPTED', null, interrupted());
    const running = [...this.running.values()];
    for (const run of running) run.controller.abort();
    await Promise.all(running.map((r) => r.settled));
  }

  private pump() {
    while (!this.closing && this.running.size < this.opts.concurrency && this.pending.length) {
      const job = this.pending.shift()!;
      const controller = new AbortController();
      const entry: Running = { controller, settled: Promise.resolve() };
      this.running.set(job.id, entry);
      entry.settled = this.run(job, controller.signal).finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
    }
  }

  private async run(job: JobRecord, signal: AbortSignal) {
    const { store, events } = this.opts;
    const backend = this.opts.backend ?? null;
    await store.update(job.id, { status: 'RUNNING', startedAt: new Date(), backend: backend ?? undefined });
    events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot: null, error: null });

    // Snapshot writes are chained so that the final write can never be overtaken by an older one.
    let writes = Promise.resolve();
    let latest: Snapshot | null = null;
    const onSnapshot = (snapshot: Snapshot) => {
      latest = snapshot;
      writes = writes.then(() => store.saveSnapshot(job.id, snapshot));
      // The final snapshot is published once, with the terminal status, after the result is stored.
      if (!snapshot.done) events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot, error: null });
    };

    try {
      const result = await this.opts.execute(job, onSnapshot, signal);
      await writes;
      const { spatial, integratedGradient: _gradient, backend: resultBackend, layer: _layer, ...snapshot } = result;
      await store.saveSnapshot(job.id, snapshot);
      await store.saveSpatial(job.id, spatial);
      await store.update(job.id, { backend: resultBackend });
      await this.finish(job, 'SUCCEEDED', snapshot, null);
    } catch (error) {
      await writes.catch(() => undefined);
      if (signal.aborted && (!isEngineError(error) || error.code === 'CANCELLED')) {
        // Cancelled by a user, or by a shutdown: the partial snapshot stays readable.
        await this.finish(job, this.closing ? 'INTERRUPTED' : 'CANCELLED', latest, this.closing ? interrupted() : null);
      } else {
        await this.finish(job, 'FAILED', latest, this.jobError(job, error));
      }
    }
  }

  private jobError(job: JobRecord, error: unknown): JobError {
    const pub = publicError(error);
    if (pub) return { code: pub.code, message: pub.message };
    this.opts.log?.(`job ${job.id} failed`, error);
    return { code: INTERNAL_ERROR_CODE, message: 'The job failed unexpectedly. The server log has the details.' };
  }

  private async finish(job: JobRecord, status: JobStatus, snapshot: Snapshot | null, error: JobError | null) {
    // The store is written before the terminal event, so a subscriber that finds the job
    // unfinished in the store is sure to receive that event.
    await this.opts.store.update(job.id, { status, finishedAt: new Date(), error });
    this.opts.events.publish({ jobId: job.id, status, stepsTotal: job.stepsTotal, snapshot, error });
  }
}

const interrupted = (): JobError => ({ code: 'INTERRUPTED', message: 'The server stopped before this job finished.' });
