import type { JobCheckpoint, JobError, JobRecord } from './job-record.js';
import type { JobStore } from './job-store.js';

/**
 * Least time between two checkpoints of a running job (CHECKPOINT_INTERVAL_MS). Every chunk's
 * snapshot is stored; its checkpoint (the integration state: MBs for long jobs at big layers)
 * goes with it at most this often, and always when the job is being stopped. A crash loses at
 * most this much compute per running job.
 */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 2000;

/** Where a run of a job starts: its checkpoint (null: step 0), or why that checkpoint cannot be used. */
export type ResumePoint = { from: JobCheckpoint | null } | { unusable: string };

/**
 * The stored checkpoint of `job`, if this engine can continue it bit for bit: a checkpoint from
 * another executor would finish with other rounding than an uninterrupted run.
 */
export async function resumePoint(store: JobStore, job: JobRecord, backend: string): Promise<ResumePoint> {
  const checkpoint = await store.getCheckpoint(job.id);
  if (!checkpoint) return { from: null };
  if (checkpoint.backend !== backend) {
    return {
      unusable: `Its checkpoint was computed by ${checkpoint.backend} and this server runs ${backend}, so resuming would not match an uninterrupted run.`,
    };
  }
  return { from: checkpoint };
}

/** The INTERRUPTED error of a job that cannot resume; `why` is one sentence. */
export function unusableCheckpoint(why: string): JobError {
  return { code: 'INTERRUPTED', message: `The job could not resume after a restart. ${why} restartJob runs it again from step 0.` };
}

/** The store's form of a checkpoint the engine handed back beside a snapshot. */
export const checkpointOf = (stepsDone: number, backend: string, data: Uint8Array): JobCheckpoint => ({ stepsDone, backend, data });
