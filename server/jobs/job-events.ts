import type { Snapshot } from '../engine/attribution/types.js';
import type { JobError, JobStatus } from './job-record.js';

/** What a job's topic carries: its status and latest snapshot. The last event of a job is terminal. */
export interface JobEvent {
  jobId: string;
  status: JobStatus;
  stepsTotal: number;
  snapshot: Snapshot | null;
  error: JobError | null;
  /**
   * Set on the last event a shutting-down server sends a subscriber of a job that is not finished:
   * the stream ends there, and the job carries on. Never published on a topic.
   */
  goingAway?: boolean;
}

/**
 * Progress events keyed by job id. Yoga's Redis event target (or any broker) can implement this
 * instead without touching the schema: it only needs publish, a latest value per topic and
 * subscriptions that complete after a terminal event.
 */
export interface JobEvents {
  publish(event: JobEvent): void;
  /** The latest event of a live job, if any was published. */
  latest(jobId: string): JobEvent | undefined;
  /**
   * Yields the latest event at once (when there is one), then newer ones. A consumer that falls
   * behind skips to the newest: only one undelivered event is kept per subscriber. Completes after
   * a terminal event, or when `signal` aborts or the iterator is returned.
   */
  subscribe(jobId: string, signal?: AbortSignal): AsyncIterableIterator<JobEvent>;
}
