import type { JobRecord } from './job-record.js';

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
  /**
   * Stops starting jobs; running ones stop after their chunk in flight, with a checkpoint. Jobs
   * stay QUEUED or RUNNING in the store, for the next start (or another worker) to resume.
   */
  close(): Promise<void>;
}
