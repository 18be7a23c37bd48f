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
  private readonly subscribers = new Map<string, Set<{ pending: SpritemapJobEvent | null; wake: (() => void) | null; closed: boolean }>>();

  publish(event: SpritemapJobEvent) {
    this.latestByJob.set(event.jobId, event);
    for (const sub of this.subscribers.get(event.jobId) ?? []) {
      sub.pending = sub.pending ? { ...event, latest: [...sub.pending.latest, ...event.latest] } : event;
      sub.wake?.();
    }
  }

  latest(jobId: string) {
    return this.latestByJob.get(jobId);
  }

  subscribe(jobId: string, signal?: AbortSignal): AsyncIterableIterator<SpritemapJobEvent> {
    const sub = { pending: this.latestByJob.get(jobId) ?? null, wake: null as (() => void) | null, closed: false };
    let set = this.subscribers.get(jobId);
    if (!set) this.subscribers.set(jobId, (set = new Set()));
    set.add(sub);
    const close = () => {
      if (sub.closed) return;
      sub.closed = true;
      set.delete(sub);
      if (set.size === 0) this.subscribers.delete(jobId);
      sub.wake?.();
    };
    const onAbort = () => {
      sub.pending = null;
      close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const finish = (): IteratorResult<SpritemapJobEvent> => {
      signal?.removeEventListener('abort', onAbort);
      sub.pending = null;
      close();
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<SpritemapJobEvent> = {
      async next() {
        while (!sub.pending && !sub.closed) {
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = null;
        }
        if (!sub.pending) return finish();
        const value = sub.pending;
        sub.pending = null;
        if (isFinished(value.status)) close();
        return { done: false, value };
      },
      async return() {
        return finish();
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
