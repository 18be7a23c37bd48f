import type { JobCheckpoint, JobError, JobPatch, JobRecord, JobStatus, NewJob } from './job-record.js';
import type { Snapshot, SpatialMap } from '../engine/attribution/types.js';

export interface JobPage {
  jobs: JobRecord[];
  /** One opaque cursor per job, for `after`. */
  cursors: string[];
  hasNextPage: boolean;
  /** Cursor of the last job in `jobs`, for `after`. */
  endCursor: string | null;
}

/** One unit of a job over several layers or images: one image at one layer, finished. */
export interface JobUnit {
  /** Position of the image in the job's image list. */
  imageIndex: number;
  layer: string;
  /** The unit's final snapshot, as a single job of that image and layer would end with. */
  snapshot: Snapshot;
}

/** A job's terminal state, written at once by `finish`. */
export interface JobOutcome {
  status: Exclude<JobStatus, 'QUEUED' | 'RUNNING'>;
  finishedAt: Date;
  error: JobError | null;
  /** The final snapshot (SUCCEEDED); a cancelled or failed job keeps its latest one. */
  snapshot?: Snapshot;
  spatial?: SpatialMap;
  backend?: string;
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
  /**
   * Stores the latest snapshot and its step count; with `checkpoint`, the checkpoint too, in the
   * same transaction, so the stored snapshot never runs ahead of or behind a stored checkpoint of it.
   */
  saveSnapshot(id: string, snapshot: Snapshot, checkpoint?: JobCheckpoint): Promise<void>;
  /** Every snapshot saved for the job (each step count once, the latest write), fewest steps first. */
  history(id: string): Promise<Snapshot[]>;
  /** The job's last checkpoint; null when it has none (never started, or finished). */
  getCheckpoint(id: string): Promise<JobCheckpoint | null>;
  saveSpatial(id: string, spatial: SpatialMap): Promise<void>;
  getSpatial(id: string): Promise<SpatialMap | null>;
  /**
   * The terminal state, the final snapshot and spatial map, and the checkpoint's removal, in one
   * transaction that is on disk before it resolves: a finished result is never half written.
   */
  finish(id: string, outcome: JobOutcome): Promise<void>;
  /** Stores a finished unit of a multi-layer or multi-image job, with its spatial map (a unit written again replaces it). */
  saveUnit(id: string, unit: JobUnit, spatial: SpatialMap): Promise<void>;
  /** The job's finished units, by image then layer order of writing (without their maps). */
  units(id: string): Promise<JobUnit[]>;
  /** A finished unit's spatial map; null when the unit is not stored. */
  unitSpatial(id: string, imageIndex: number, layer: string): Promise<SpatialMap | null>;
  /** QUEUED and RUNNING jobs, oldest first: what a restarted server resumes. */
  unfinished(): Promise<JobRecord[]>;
  /** Whether a job on `model` is QUEUED or RUNNING (a model is not deleted under it). */
  hasUnfinished(model: string): Promise<boolean>;
  close(): Promise<void>;
}
