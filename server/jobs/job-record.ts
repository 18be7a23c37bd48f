import type { AttributionInput, AttributionRequest, Snapshot } from '../engine/attribution/types.js';

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED']);
export const isTerminal = (s: JobStatus) => TERMINAL_STATUSES.has(s);

/** What the user asked for, as given (classes still as text), plus the image(s) and the model. */
export interface JobInput extends AttributionInput {
  /** The image; in a job over several images, the first of `imageIds`. */
  imageId: string;
  /** The model id as given; null or absent: the built-in model. */
  model?: string | null;
  /**
   * A job over several images: their ids, in order (after validation, without repeats and
   * without the bad ones `skipBadImages` left out); null or absent for one image.
   */
  imageIds?: string[] | null;
  /** Leave out the images that cannot be attributed (listed in `skippedImages`) instead of refusing the job. */
  skipBadImages?: boolean | null;
  /** The images `skipBadImages` left out, with why. */
  skippedImages?: SkippedImage[] | null;
}

/** An image of a batch that was left out. */
export interface SkippedImage {
  imageId: string;
  reason: string;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  /** Jobs started together by `compareMethods` share a group id. */
  groupId: string | null;
  input: JobInput;
  /** The id of the model the job runs on (`googlenet-bvlc` for the built-in one, and for every job stored before models could be imported). */
  model: string;
  /** The validated request the engine runs. */
  request: AttributionRequest;
  status: JobStatus;
  stepsDone: number;
  stepsTotal: number;
  /** The executor that ran it, e.g. `tfjs-wasm`; null until it starts. */
  backend: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: JobError | null;
  /** The latest snapshot: live while running, final after. */
  snapshot: Snapshot | null;
}

/**
 * Where a running job's integration stood after a chunk: enough to resume it mid-path after a restart or on another worker.
 * `data` is the engine's encoded integration state, opaque to the store.
 */
export interface JobCheckpoint {
  stepsDone: number;
  /** The executor that computed it: a resume elsewhere must run the same one to match bit for bit. */
  backend: string;
  data: Uint8Array;
}

export type NewJob = Pick<JobRecord, 'id' | 'groupId' | 'input' | 'model' | 'request' | 'stepsTotal'>;

export type JobPatch = Partial<Pick<JobRecord, 'status' | 'stepsDone' | 'backend' | 'startedAt' | 'finishedAt' | 'error'>>;
