import { createMailbox, iterateMailbox, MailboxTopics, type Mailbox } from '../events/latest-value-mailbox.js';
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
}

export const isFinished = (s: SpritemapJobStatus) => s !== 'RUNNING';

/**
 * Progress topics keyed by job id, with the semantics of the attribution jobs' events
 * (server/jobs/events.ts): a new subscriber gets the latest event at once, then newer ones; a
 * slow one skips to the newest (sprites it skipped are merged into `latest`, so none are lost);
 * the iterator completes after a finished event.
 */
export class SpritemapEvents {
  private readonly latestByJob = new Map<string, SpritemapJobEvent>();
  private readonly subscribers = new MailboxTopics<Mailbox<SpritemapJobEvent>>();

  publish(event: SpritemapJobEvent) {
    this.latestByJob.set(event.jobId, event);
    for (const sub of this.subscribers.of(event.jobId)) {
      sub.pending = sub.pending ? { ...event, latest: [...sub.pending.latest, ...event.latest] } : event;
      sub.wake?.();
    }
  }

  latest(jobId: string) {
    return this.latestByJob.get(jobId);
  }

  subscribe(jobId: string, signal?: AbortSignal): AsyncIterableIterator<SpritemapJobEvent> {
    const sub = createMailbox(this.latestByJob.get(jobId) ?? null);
    const unregister = this.subscribers.add(jobId, sub);
    return iterateMailbox(sub, {
      signal,
      isLast: (e) => isFinished(e.status),
      onClose: unregister,
    });
  }
}
