import type { Engine, Models } from '../engine/engine.js';
import { InProcessJobEvents } from './in-process-job-events.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import type { JobBackends } from './job-backends.js';
import { JobRunner } from './job-runner.js';
import type { JobStore } from './job-store.js';
import { JobExecution } from './multi-job.js';

/** Every job in this process: a bounded in-memory queue whose runner runs each job on the engine (JobExecution), and in-memory events. */
export function createInProcessJobBackends(opts: {
  store: JobStore;
  /** Every model's engine: each job runs on its own model's. */
  models: Models;
  /** The engines' backend, recorded with each job. */
  backend: string;
  /** The decoded input of an image id for a model. */
  pixels: (imageId: string, engine: Engine) => Promise<Float32Array>;
  maxQueued: number;
  concurrency: number;
  /** Least time between two checkpoints of a running job (0: every chunk). */
  checkpointIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
}): JobBackends {
  const { store, models } = opts;
  const events = new InProcessJobEvents();
  const execution = new JobExecution({ models, pixels: opts.pixels, store });
  const runner = new JobRunner({
    store,
    events,
    backend: opts.backend,
    execute: execution.execute,
    logName: 'server',
    checkpointIntervalMs: opts.checkpointIntervalMs,
    log: opts.log,
  });
  const queue = new InProcessJobQueue({ runner, maxQueued: opts.maxQueued, concurrency: opts.concurrency });
  return {
    store,
    queue,
    events,
    runner,
    execution,
    resumeUnfinished: async () => {
      // This process's own store: what it left QUEUED or RUNNING resumes here, from its checkpoints.
      const unfinished = await store.unfinished();
      queue.restore(unfinished);
      return unfinished.length;
    },
    health: () => ({}),
    close: async () => undefined,
  };
}
