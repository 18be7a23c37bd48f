import { builder } from './builder.js';

export const JobStatusRef = builder.enumType('JobStatus', {
  description: 'Where a job is in its life.',
  values: {
    QUEUED: { description: 'Waiting in the queue.' },
    RUNNING: { description: 'Computing; `result` is the latest snapshot.' },
    SUCCEEDED: { description: 'Finished; `result` is final.' },
    FAILED: { description: 'Stopped by an error; see `error`.' },
    CANCELLED: { description: 'Cancelled by a client; `result` keeps the partial estimate, if any.' },
    INTERRUPTED: { description: 'The server stopped while the job was queued or running; start it again to finish it.' },
  } as const,
});
