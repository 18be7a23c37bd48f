import type { JobStatus } from '../gql/graphql';

/** Statuses a job does not leave: its snapshot is final. */
export const TERMINAL: ReadonlySet<JobStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED']);

export const isTerminal = (status: string | undefined): boolean => status !== undefined && TERMINAL.has(status as JobStatus);
