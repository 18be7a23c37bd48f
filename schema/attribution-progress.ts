import type { JobEvent } from '../server/jobs/job-events.js';
import { isTerminal } from '../server/jobs/job-record.js';
import { builder } from './builder.js';
import { AttributionEstimateRef } from './attribution-estimate.js';
import { AttributionJobRef, JobErrorRef } from './attribution-job.js';
import { JobStatusRef } from './job-status.js';

export const AttributionProgressRef = builder.objectRef<JobEvent>('AttributionProgress').implement({
  description: "One step of a job's life: a new snapshot, or a change of status. The last one has `done: true`.",
  interfaces: [AttributionEstimateRef],
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'status' in v && 'jobId' in v,
  fields: (t) => ({
    job: t.field({
      type: AttributionJobRef,
      description: 'The job, as stored now.',
      resolve: (e, _args, ctx) => ctx.jobs.require(e.jobId),
    }),
    status: t.field({ type: JobStatusRef, description: "The job's status at this event.", resolve: (e) => e.status }),
    done: t.boolean({
      description: 'True for the last event: the job succeeded, failed, was cancelled or interrupted. The stream then completes.',
      resolve: (e) => isTerminal(e.status),
    }),
    error: t.field({
      type: JobErrorRef,
      nullable: true,
      description: 'Why the job failed, on a FAILED or INTERRUPTED event.',
      resolve: (e) => e.error,
    }),
    goingAway: t.boolean({
      description:
        'True on the last event of a stream whose server is shutting down (SIGTERM/SIGINT) before the job finished. ' +
        'The stream completes after it; the job is not lost: it resumes from its last checkpoint when a server starts again ' +
        '(or carries on on the workers, in scale-out). Subscribe again to follow it.',
      resolve: (e) => e.goingAway ?? false,
    }),
  }),
});

builder.subscriptionField('jobProgress', (t) =>
  t.field({
    type: AttributionProgressRef,
    description:
      "A job's progress: the latest snapshot at once (also after a reconnect), then every newer one, then " +
      'completes after the event with `done: true`. A finished job yields its final state and completes. ' +
      'A slow client skips to the newest snapshot rather than buffering. NOT_FOUND for an unknown id.',
    args: { id: t.arg.id({ required: true, description: 'The job id.' }) },
    subscribe: async (_root, { id }, ctx) => {
      await ctx.jobs.require(String(id));
      return ctx.jobs.progress(String(id), ctx.signal);
    },
    resolve: (event) => event,
  }),
);
