/** The shared job queue (Redis) cannot be reached. Maps to `QUEUE_UNAVAILABLE`; retrying later can work. */
export class QueueUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`The job queue is unavailable (${reason}). Try again shortly.`);
    this.name = 'QueueUnavailableError';
  }
}
