import { LatestValueTopics } from '../events/latest-value-topics.js';
import type { JobEvent, JobEvents } from './job-events.js';
import { isTerminal } from './job-record.js';

/**
 * In-process implementation: one process, no broker. A finished job's topic is dropped: later
 * subscribers read the final state from the store.
 */
export class InProcessJobEvents extends LatestValueTopics<JobEvent> implements JobEvents {
  constructor() {
    super({ topicOf: (e) => e.jobId, isLast: (e) => isTerminal(e.status), forgetLast: true });
  }
}
