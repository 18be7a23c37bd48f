import { QueueFullError } from '../errors/queue-full-error.js';
import type { JobQueue, QueueStats } from './job-queue.js';
import type { JobRecord } from './job-record.js';
import type { JobRunner } from './job-runner.js';

interface Running {
  controller: AbortController;
  settled: Promise<void>;
}

export interface InProcessQueueOptions {
  /** Runs each job's lifecycle (the same runner the BullMQ worker uses). */
  runner: JobRunner;
  /** Waiting jobs allowed (MAX_QUEUED); running ones do not count. */
  maxQueued: number;
  /** Jobs running at once: more than the worker pool's size only makes jobs wait inside the pool. */
  concurrency: number;
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
      await this.opts.runner.finish(job, 'CANCELLED', null, null);
      return true;
    }
    const run = this.running.get(id);
    if (!run) return false;
    run.controller.abort();
    await run.settled;
    return true;
  }

  /**
   * At start-up: the jobs the last run left QUEUED or RUNNING, oldest first, ahead of new ones
   * and past the bound (they were admitted once). Each resumes from its checkpoint.
   */
  restore(jobs: JobRecord[]) {
    this.pending.unshift(...jobs);
    this.pump();
  }

  /** Queued jobs stay QUEUED in the store; running ones stop after their chunk in flight, checkpointed, and stay RUNNING: the next start resumes both. */
  async close() {
    this.closing = true;
    this.pending.splice(0);
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
      entry.settled = this.opts.runner
        .run(job, controller.signal, { stopping: () => this.closing })
        .then(() => undefined)
        .finally(() => {
          this.running.delete(job.id);
          this.pump();
        });
    }
  }
}
