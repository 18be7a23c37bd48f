/** Waiting jobs allowed before QUEUE_FULL: a bound, so a flood of requests cannot grow memory without end. */
export const DEFAULT_MAX_QUEUED = 100;

/**
 * Jobs running at once, when the pool has fewer workers: enough for compareMethods's three jobs
 * to stream side by side. A worker interleaves its runs between batches, at little cost against
 * running them one after the other (bench/concurrent-jobs.ts measures both).
 */
export const MIN_CONCURRENCY = 3;
