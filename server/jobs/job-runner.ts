import type { AttributionResult, Snapshot, SpatialMap } from '../engine/attribution/types.js';
import type { SnapshotListener } from '../engine/engine.js';
import { EngineError, isEngineError } from '../errors/engine-error.js';
import { INTERNAL_ERROR_CODE, publicError } from '../errors/error-codes.js';
import type { JobEvents } from './job-events.js';
import type { JobError, JobRecord, JobStatus } from './job-record.js';
import type { JobStore } from './job-store.js';

/**
 * Runs one job on the engine: its pixels from wherever this process keeps images, then
 * `engine.run`. Rejects with EngineError CANCELLED once `signal` aborts (after the current chunk).
 */
export type JobExecutor = (job: JobRecord, onSnapshot: SnapshotListener, signal: AbortSignal) => Promise<AttributionResult>;

export interface JobRunnerOptions {
  store: JobStore;
  events: JobEvents;
  execute: JobExecutor;
  /** The executor's name (engine.info.backend), stored as the job's backend from the moment it starts. */
  backend: string;
  /** Whose log an unexpected failure is written to, as the job's error says: `server` or `worker`. */
  logName: 'server' | 'worker';
  log?: (message: string, error?: unknown) => void;
}

export interface RunHooks {
  /** Called after every chunk: a queue can look for a cancel it may have missed and abort then. */
  onChunk?: () => void;
  /** True when the abort came from a shutdown: the job ends INTERRUPTED, not CANCELLED. */
  stopping?: () => boolean;
}

/**
 * One job's lifecycle on the engine, the same for the in-process queue and the BullMQ worker:
 * RUNNING, snapshots to the store and the events, the result, then the terminal state. A job run
 * again after its worker died starts over; its snapshots are only published past the steps
 * already shown (the step floor), so subscribers never see `stepsDone` go back.
 */
export class JobRunner {
  /** The newest running spatial map of each job running here; dropped when its run ends. */
  private readonly liveSpatial = new Map<string, SpatialMap>();

  constructor(private readonly opts: JobRunnerOptions) {}

  /** Runs a stored job to its terminal state; aborting `signal` stops it after the current chunk. */
  async run(job: JobRecord, signal: AbortSignal, hooks: RunHooks = {}): Promise<JobStatus> {
    const { store, events } = this.opts;
    // What subscribers may already have seen, from a worker that died holding this job.
    const floor = job.stepsDone;
    await store.update(job.id, { status: 'RUNNING', startedAt: job.startedAt ?? new Date(), backend: this.opts.backend });
    events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot: job.snapshot, error: null });

    // Snapshot writes are chained so that the final write can never be overtaken by an older one.
    let writes = Promise.resolve();
    let latest: Snapshot | null = job.snapshot;
    const onSnapshot = (snapshot: Snapshot, spatial?: SpatialMap) => {
      hooks.onChunk?.();
      if (spatial) this.liveSpatial.set(job.id, spatial);
      if (snapshot.stepsDone <= floor && !snapshot.done) return;
      latest = snapshot;
      writes = writes.then(() => store.saveSnapshot(job.id, snapshot));
      // The final snapshot is published once, with the terminal status, after the result is stored.
      if (!snapshot.done) events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot, error: null });
    };

    try {
      if (signal.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
      const result = await this.opts.execute(job, onSnapshot, signal);
      await writes;
      const { spatial, integratedGradient: _gradient, backend, layer: _layer, ...snapshot } = result;
      await store.saveSnapshot(job.id, snapshot);
      await store.saveSpatial(job.id, spatial);
      await store.update(job.id, { backend });
      return await this.finish(job, 'SUCCEEDED', snapshot, null);
    } catch (error) {
      await writes.catch(() => undefined);
      if (signal.aborted && (!isEngineError(error) || error.code === 'CANCELLED')) {
        // Cancelled by a user, or by a shutdown: the partial snapshot stays readable.
        const stopping = hooks.stopping?.() ?? false;
        return this.finish(job, stopping ? 'INTERRUPTED' : 'CANCELLED', latest, stopping ? interruptedError() : null);
      }
      return this.finish(job, 'FAILED', latest, this.jobError(job, error));
    } finally {
      this.liveSpatial.delete(job.id);
    }
  }

  /** The running estimate's spatial map while the job runs here; null otherwise. */
  runningSpatial(jobId: string): SpatialMap | null {
    return this.liveSpatial.get(jobId) ?? null;
  }

  /** Ends a job: the store is written before the terminal event, so a subscriber that finds the job unfinished in the store is sure to receive that event. */
  async finish(job: JobRecord, status: JobStatus, snapshot: Snapshot | null, error: JobError | null): Promise<JobStatus> {
    await this.opts.store.update(job.id, { status, finishedAt: new Date(), error });
    this.opts.events.publish({ jobId: job.id, status, stepsTotal: job.stepsTotal, snapshot, error });
    return status;
  }

  private jobError(job: JobRecord, error: unknown): JobError {
    const pub = publicError(error);
    if (pub) return { code: pub.code, message: pub.message };
    this.opts.log?.(`job ${job.id} failed`, error);
    return { code: INTERNAL_ERROR_CODE, message: `The job failed unexpectedly. The ${this.opts.logName} log has the details.` };
  }
}

/** The error of a job the server stopped before it finished. */
export const interruptedError = (): JobError => ({ code: 'INTERRUPTED', message: 'The server stopped before this job finished.' });
