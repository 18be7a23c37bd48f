/** The job queue already holds `maxQueued` waiting jobs. Maps to `QUEUE_FULL`. */
export class QueueFullError extends Error {
  constructor(
    readonly maxQueued: number,
    readonly requested = 1,
  ) {
    super(
      requested === 1
        ? `The queue is full (${maxQueued} jobs waiting). Try again when some have finished, or cancel one.`
        : `The queue has no room for ${requested} more jobs (limit ${maxQueued} waiting). Try again when some have finished.`,
    );
    this.name = 'QueueFullError';
  }
}
