import type { JobEvents } from './job-events.js';
import type { JobQueue } from './job-queue.js';
import type { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';
import type { JobExecution } from './multi-job.js';

/**
 * Where an API process keeps, queues and announces its jobs: in this process
 * (in-process-job-backends.ts, the default) or shared with other instances and workers through
 * Redis (redis/redis-scale-out.ts). The app is wired the same way over either.
 */
export interface JobBackends {
  store: JobStore;
  queue: JobQueue;
  events: JobEvents & { subscriberCount(jobId?: string): number };
  /** Runs the jobs in this process and holds their running spatial maps; absent where workers run them. */
  runner?: JobRunner;
  /** How those jobs run, with the running maps of multi-layer jobs; absent where workers run them. */
  execution?: JobExecution;
  /** At start-up: queues again the jobs the last run left unfinished that this process resumes; how many. */
  resumeUnfinished(): Promise<number>;
  /** Merged into /health. */
  health(): Record<string, unknown>;
  /** After the app has closed the queue and the store: anything else the backends opened. */
  close(): Promise<void>;
}
