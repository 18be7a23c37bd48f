import type { JobRecord } from '../server/jobs/job-record.js';
import type { JobPage } from '../server/jobs/job-store.js';
import { EngineError } from '../server/errors/engine-error.js';
import { builder } from './builder.js';
import { AttributionJobRef } from './attribution-job.js';
import { JobStatusRef } from './job-status.js';

/** Jobs per page at most. */
const MAX_PAGE = 100;

const PageInfoRef = builder.objectRef<JobPage>('PageInfo').implement({
  description: 'Where a page of a connection ends (Relay cursor connections).',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when older jobs follow.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Pass as `after` for the next page; null on an empty page.' }),
  }),
});

const JobEdgeRef = builder.objectRef<{ job: JobRecord; cursor: string }>('JobEdge').implement({
  description: 'A job in a page of jobs.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Opaque cursor of this job, for `after`.' }),
    node: t.field({ type: AttributionJobRef, description: 'The job.', resolve: (e) => e.job }),
  }),
});

export const JobConnectionRef = builder.objectRef<JobPage>('JobConnection').implement({
  description: 'A page of jobs, newest first.',
  fields: (t) => ({
    edges: t.field({
      type: [JobEdgeRef],
      description: 'The jobs with their cursors.',
      complexity: { field: 0, multiplier: 1 },
      resolve: (p) => p.jobs.map((job, i) => ({ job, cursor: p.cursors[i] })),
    }),
    nodes: t.field({
      type: [AttributionJobRef],
      description: 'The jobs, without cursors.',
      complexity: { field: 0, multiplier: 1 },
      resolve: (p) => p.jobs,
    }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Paging state.', resolve: (p) => p }),
  }),
});

builder.queryField('jobs', (t) =>
  t.field({
    type: JobConnectionRef,
    description: 'Jobs, newest first, kept across restarts; optionally only those with one status.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: `Page size, 1..${MAX_PAGE}.` }),
      after: t.arg.string({ description: '`pageInfo.endCursor` of the previous page.' }),
      status: t.arg({ type: JobStatusRef, description: 'Only jobs with this status.' }),
    },
    complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 20, MAX_PAGE)) }),
    resolve: (_root, args, ctx) => {
      const first = args.first ?? 20;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
        throw new EngineError('BAD_ARGUMENT', `first must be 1..${MAX_PAGE}, got ${first}.`);
      }
      return ctx.jobs.list({ first, after: args.after, status: args.status });
    },
  }),
);
