import { builder } from './builder.js';

export const JobStatusRef = builder.enumType('JobStatus', {
  description: 'Where a job is in its life.',
  values: {
    QUEUED: { description: 'Waiting in the queue.' },
    RUNNING: { description: 'Computing; `result` is the latest snapshot.' },
    SUCCEEDED: { description: 'Finished; `result` is final.' },
    FAILED: { description: 'Stopped by an error; see `error`.' },
    CANCELLED: { description: 'Cancelled by a client; `result` keeps the partial estimate, if any.' },
    INTERRUPTED: {
      description:
        'The job could not carry on: after a restart its checkpoint was unusable, or its workers kept dying (`error` says why). ' +
        'A job that was queued or running when a server stopped resumes from its checkpoint instead; `restartJob` runs it again from step 0.',
    },
  } as const,
});
