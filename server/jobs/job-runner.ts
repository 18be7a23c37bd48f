import type { AttributionResult, Snapshot, SpatialMap } from '../engine/attribution/types.js';
import type { RunCheckpoints, SnapshotListener } from '../engine/engine.js';
import { EngineError, isEngineError } from '../errors/engine-error.js';
import { INTERNAL_ERROR_CODE, publicError } from '../errors/error-codes.js';
import { checkpointOf, DEFAULT_CHECKPOINT_INTERVAL_MS, resumePoint, unusableCheckpoint } from './job-checkpoints.js';
import type { JobEvents } from './job-events.js';
import type { JobError, JobRecord, JobStatus } from './job-record.js';
import type { JobOutcome, JobStore } from './job-store.js';
import { SnapshotWrites } from './snapshot-writes.js';

/**
 * Runs one job on the engine: its pixels from wherever this process keeps images, then
 * `engine.run` with `checkpoints`. Rejects with EngineError CANCELLED once `signal` aborts (after
 * the current chunk), BAD_CHECKPOINT when `checkpoints.resumeFrom` cannot resume the job.
 */
export type JobExecutor = (
  job: JobRecord,
  onSnapshot: SnapshotListener,
  signal: AbortSignal,
  checkpoints: RunCheckpoints,
) => Promise<JobResult>;

/** A job's result: a single job's has its spatial map; a multi job's maps are its units' (JobStore.saveUnit). */
export type JobResult = Omit<AttributionResult, 'spatial' | 'integratedGradient'> &
  Partial<Pick<AttributionResult, 'spatial' | 'integratedGradient'>>;

/** How a run ended: a terminal status, or SUSPENDED (stopped by a shutdown, RUNNING in the store with its checkpoint, to be resumed). */
export type RunOutcome = JobStatus | 'SUSPENDED';

export interface JobRunnerOptions {
  store: JobStore;
  events: JobEvents;
  execute: JobExecutor;
  /** The executor's name (engine.info.backend), stored as the job's backend from the moment it starts. */
  backend: string;
  /** Whose log an unexpected failure is written to, as the job's error says: `server` or `worker`. */
  logName: 'server' | 'worker';
  /** Least time between two checkpoints of a running job (CHECKPOINT_INTERVAL_MS). */
  checkpointIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface RunHooks {
  /** Called after every chunk: a queue can look for a cancel it may have missed and abort then. */
  onChunk?: () => void;
  /** True when the abort came from a shutdown: the job stays RUNNING with its checkpoint (SUSPENDED), not CANCELLED. */
  stopping?: () => boolean;
}

/**
 * One job's lifecycle on the engine, the same for the in-process queue and the BullMQ worker:
 * RUNNING, snapshots (with checkpoints) to the store and the events, the result, then the terminal
 * state. A job run again after a restart or after its worker died resumes from its last checkpoint
 * (no work lost); its snapshots are only published past the steps already shown (the step floor), so
 * subscribers never see `stepsDone` go back.
 */
export class JobRunner {
  /** The newest running spatial map of each job running here; dropped when its run ends. */
  private readonly liveSpatial = new Map<string, SpatialMap>();

  constructor(private readonly opts: JobRunnerOptions) {}

  /** Runs a stored job to its terminal state; aborting `signal` stops it after the current chunk. */
  async run(job: JobRecord, signal: AbortSignal, hooks: RunHooks = {}): Promise<RunOutcome> {
    const { store, events, backend } = this.opts;
    const start = await resumePoint(store, job, backend);
    if ('unusable' in start) return this.finish(job, 'INTERRUPTED', job.snapshot, unusableCheckpoint(start.unusable));
    if (start.from) this.opts.log?.(`job ${job.id} resumed from step ${start.from.stepsDone}`);
    // What subscribers may already have seen: a resumed job's stored snapshot can be a few chunks
    // past its checkpoint, and a worker that died may have published more than it stored.
    const floor = job.stepsDone;
    await store.update(job.id, { status: 'RUNNING', startedAt: job.startedAt ?? new Date(), backend: this.opts.backend });
    events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot: job.snapshot, error: null });

    // In order, so that the final write can never be overtaken by an older one; one per loop turn.
    const writes = new SnapshotWrites((snapshot, checkpoint) => store.saveSnapshot(job.id, snapshot, checkpoint));
    let latest: Snapshot | null = job.snapshot;
    const onSnapshot = (snapshot: Snapshot, spatial?: SpatialMap, checkpoint?: Uint8Array) => {
      hooks.onChunk?.();
      if (spatial) this.liveSpatial.set(job.id, spatial);
      if (snapshot.stepsDone <= floor && !snapshot.done) return;
      latest = snapshot;
      // With its checkpoint, in one transaction: a resume starts from a step the store shows.
      writes.push(snapshot, checkpoint && checkpointOf(snapshot.stepsDone, backend, checkpoint));
      // The final snapshot is published once, with the terminal status, after the result is stored.
      if (!snapshot.done) events.publish({ jobId: job.id, status: 'RUNNING', stepsTotal: job.stepsTotal, snapshot, error: null });
    };

    try {
      if (signal.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
      const intervalMs = this.opts.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
      const result = await this.opts.execute(job, onSnapshot, signal, { resumeFrom: start.from?.data, intervalMs });
      await writes.settled();
      const { spatial, integratedGradient: _gradient, backend: resultBackend, layer: _layer, ...snapshot } = result;
      return await this.finish(
        job,
        'SUCCEEDED',
        snapshot,
        null,
        spatial ? { spatial, backend: resultBackend } : { backend: resultBackend },
      );
    } catch (error) {
      await writes.settled().catch(() => undefined);
      if (signal.aborted && (!isEngineError(error) || error.code === 'CANCELLED')) {
        // A shutdown: the job stays RUNNING with the checkpoint of its last chunk, for a resume.
        if (hooks.stopping?.()) return 'SUSPENDED';
        // Cancelled by a user: the partial snapshot stays readable.
        return this.finish(job, 'CANCELLED', latest, null);
      }
      if (isEngineError(error) && error.code === 'BAD_CHECKPOINT')
        return this.finish(job, 'INTERRUPTED', latest, unusableCheckpoint(error.message));
      return this.finish(job, 'FAILED', latest, this.jobError(job, error));
    } finally {
      this.liveSpatial.delete(job.id);
    }
  }

  /** The running estimate's spatial map while the job runs here; null otherwise. */
  runningSpatial(jobId: string): SpatialMap | null {
    return this.liveSpatial.get(jobId) ?? null;
  }

  /**
   * Ends a job: the store is written before the terminal event, so a subscriber that finds the job
   * unfinished in the store is sure to receive that event. One durable transaction with the final
   * snapshot and spatial map (SUCCEEDED): a finished result is never half stored, and survives a crash.
   */
  async finish(
    job: JobRecord,
    status: JobOutcome['status'],
    snapshot: Snapshot | null,
    error: JobError | null,
    result?: Pick<JobOutcome, 'spatial' | 'backend'>,
  ): Promise<JobStatus> {
    await this.opts.store.finish(job.id, {
      status,
      finishedAt: new Date(),
      error,
      ...(status === 'SUCCEEDED' && snapshot ? { snapshot } : {}),
      ...result,
    });
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
