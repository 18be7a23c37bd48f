/** The server is shutting down (SIGTERM/SIGINT) and takes no new jobs. Maps to `SHUTTING_DOWN`; another instance, or this one once back, can take it. */
export class ShuttingDownError extends Error {
  constructor() {
    super('The server is shutting down and takes no new jobs. Start the job again once it is back, or on another instance.');
    this.name = 'ShuttingDownError';
  }
}
