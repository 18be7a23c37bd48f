import { LatestValueTopics } from '../events/latest-value-topics.js';

/** A spritemap job's state, as its subscription topic carries it. */
export type SpritemapJobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface SpritemapJobEvent {
  jobId: string;
  layer: string;
  size: number;
  steps: number;
  status: SpritemapJobStatus;
  done: number;
  total: number;
  etaSeconds: number | null;
  elapsedSeconds: number;
  /** Sprites finished since the previous event: channel and PNG bytes. */
  latest: { channel: number; png: Uint8Array; activation: number }[];
  error: { code: string; message: string } | null;
  /** The last event of a subscription the server ended because it is shutting down (the render's state, still RUNNING). */
  goingAway?: boolean;
}

export const isFinished = (s: SpritemapJobStatus) => s !== 'RUNNING';

/**
 * Progress topics keyed by job id, with the semantics of the attribution jobs' events
 * (server/jobs/in-process-job-events.ts): a new subscriber gets the latest event at once, then
 * newer ones; a slow one skips to the newest (sprites it skipped are merged into `latest`, so
 * none are lost); the iterator completes after a finished event.
 */
export class SpritemapEvents extends LatestValueTopics<SpritemapJobEvent> {
  constructor() {
    super({
      topicOf: (e) => e.jobId,
      isLast: (e) => isFinished(e.status),
      merge: (pending, next) => ({ ...next, latest: [...pending.latest, ...next.latest] }),
    });
  }
}
