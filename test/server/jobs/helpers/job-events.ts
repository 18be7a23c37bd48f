import type { JobEvent } from '../../../../server/jobs/job-events.js';
import type { JobStatus } from '../../../../server/jobs/job-record.js';
import { snapshot } from '../job-store-conformance.js';

/** A job event at `stepsDone` of 50 steps. */
export const ev = (stepsDone: number, status: JobStatus = 'RUNNING', jobId = 'j'): JobEvent => ({
  jobId,
  status,
  stepsTotal: 50,
  snapshot: snapshot(stepsDone, [stepsDone, -stepsDone], status === 'SUCCEEDED'),
  error: null,
});
export const steps = (events: JobEvent[]) => events.map((e) => e.snapshot?.stepsDone);

/** Every event of a subscription, until it completes. */
export async function drain(it: AsyncIterator<JobEvent>) {
  const out: JobEvent[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) out.push(r.value);
  return out;
}
