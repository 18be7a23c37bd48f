import type { JobPatch, JobRecord, JobStatus, NewJob, SpatialMap } from './job-record.js';
import type { Snapshot } from '../engine/attribution/types.js';

export interface JobPage {
  jobs: JobRecord[];
  /** One opaque cursor per job, for `after`. */
  cursors: string[];
  hasNextPage: boolean;
  /** Cursor of the last job in `jobs`, for `after`. */
  endCursor: string | null;
}

/**
 * Where jobs live. The queue, the service and the schema only talk to this interface, so a
 * store on another database passes the same conformance suite (test/server/jobs/job-store-conformance.ts).
 * Methods are async so that such a store fits; the SQLite one answers at once.
 */
export interface JobStore {
  create(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  /** Newest first. `after` is an `endCursor` from an earlier page. */
  list(opts: { first: number; after?: string | null; status?: JobStatus | null }): Promise<JobPage>;
  update(id: string, patch: JobPatch): Promise<void>;
  /** Stores the latest snapshot and its step count. */
  saveSnapshot(id: string, snapshot: Snapshot): Promise<void>;
  saveSpatial(id: string, spatial: SpatialMap): Promise<void>;
  getSpatial(id: string): Promise<SpatialMap | null>;
  /** After a restart: QUEUED and RUNNING jobs become INTERRUPTED. Returns how many. */
  interruptUnfinished(at: Date): Promise<number>;
  close(): Promise<void>;
}
