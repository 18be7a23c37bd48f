/**
 * One subscriber's mailbox holding only the newest undelivered value: a slow consumer skips to
 * the newest instead of growing a buffer, so it never slows the publisher. Shared by the job and
 * spritemap event streams (in-process and Redis).
 */
export interface Mailbox<T> {
  /** The newest value not yet taken; a publisher overwrites (or merges into) it, then calls wake. */
  pending: T | null;
  wake: (() => void) | null;
  closed: boolean;
  /** Set by `endWith`: the pending value is the last; publishers leave it alone. */
  ending: boolean;
}

export const createMailbox = <T>(pending: T | null = null): Mailbox<T> => ({ pending, wake: null, closed: false, ending: false });

/** Puts a newer value in the mailbox (or merges it into the one waiting), unless the mailbox is ending. */
export function deliver<T>(box: Mailbox<T>, value: T, merge?: (pending: T, next: T) => T) {
  if (box.ending || box.closed) return;
  box.pending = box.pending && merge ? merge(box.pending, value) : value;
  box.wake?.();
}

/** Ends a subscription after one last value (a server going away says so with it). */
export function endWith<T>(box: Mailbox<T>, last: T) {
  if (box.ending || box.closed) return;
  box.pending = last;
  box.ending = true;
  box.wake?.();
}

export interface MailboxIteratorOptions<T> {
  /** The value after which the stream completes (delivered first, then done on the next pull). */
  isLast: (value: T) => boolean;
  /** Called once when the subscription ends, for any reason: unregister the mailbox here. */
  onClose: () => void;
  signal?: AbortSignal;
}

/** Delivers a mailbox's values as an async iterator that ends on the last value, abort or return(). */
export function iterateMailbox<T>(box: Mailbox<T>, options: MailboxIteratorOptions<T>): AsyncIterableIterator<T> {
  const { signal } = options;
  const close = () => {
    if (box.closed) return;
    box.closed = true;
    options.onClose();
    box.wake?.();
  };
  const onAbort = () => {
    box.pending = null;
    close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  const finish = (): IteratorResult<T> => {
    signal?.removeEventListener('abort', onAbort);
    box.pending = null;
    close();
    return { done: true, value: undefined };
  };

  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (!box.pending && !box.closed) {
        await new Promise<void>((resolve) => (box.wake = resolve));
        box.wake = null;
      }
      if (!box.pending) return finish();
      const value = box.pending;
      box.pending = null;
      if (box.ending || options.isLast(value)) close();
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

/** Mailboxes grouped by topic (a job id); an empty topic is forgotten. */
export class MailboxTopics<B> {
  private readonly byTopic = new Map<string, Set<B>>();

  /** Registers `box` under `topic`; returns the function that unregisters it. */
  add(topic: string, box: B): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(box);
    return () => {
      set.delete(box);
      if (set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  of(topic: string): Iterable<B> {
    return this.byTopic.get(topic) ?? [];
  }

  all(): Iterable<B> {
    return [...this.byTopic.values()].flatMap((s) => [...s]);
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Live mailboxes of one topic, or of all (for tests and /health). */
  count(topic?: string): number {
    if (topic !== undefined) return this.byTopic.get(topic)?.size ?? 0;
    let n = 0;
    for (const set of this.byTopic.values()) n += set.size;
    return n;
  }
}
