import { createMailbox, deliver, endWith, iterateMailbox, MailboxTopics, type Mailbox } from './latest-value-mailbox.js';

export interface LatestValueTopicsOptions<T> {
  topicOf: (value: T) => string;
  /** The value after which a topic's subscriptions complete. */
  isLast: (value: T) => boolean;
  /** Forget a topic's latest value once its last value is published (readers then go to a store). */
  forgetLast?: boolean;
  /** How a new value meets one a slow subscriber has not taken yet; default: replaces it. */
  merge?: (pending: T, next: T) => T;
}

/**
 * In-process topics that keep only their latest value: publish, `latest(topic)`, and
 * subscriptions that start from the latest value, skip to the newest when they fall behind, and
 * complete after a last value. The job events and the spritemap events are both this.
 */
export class LatestValueTopics<T> {
  private readonly latestByTopic = new Map<string, T>();
  private readonly subscribers = new MailboxTopics<Mailbox<T>>();

  constructor(private readonly opts: LatestValueTopicsOptions<T>) {}

  publish(value: T) {
    const topic = this.opts.topicOf(value);
    if (this.opts.forgetLast && this.opts.isLast(value)) this.latestByTopic.delete(topic);
    else this.latestByTopic.set(topic, value);
    for (const sub of this.subscribers.of(topic)) deliver(sub, value, this.opts.merge);
  }

  /**
   * Ends every open subscription with one last value, `last(value)` of the newest it has not
   * taken (or of its topic's latest, already taken): at shutdown, a going-away event. A
   * subscription whose last value is waiting ends with that, as it would have anyway.
   */
  endAll(last: (value: T, taken: boolean) => T) {
    for (const topic of this.subscribers.topics()) {
      for (const sub of this.subscribers.of(topic)) {
        if (sub.pending && this.opts.isLast(sub.pending)) continue;
        const value = sub.pending ?? this.latestByTopic.get(topic);
        if (value) endWith(sub, last(value, !sub.pending));
      }
    }
  }

  latest(topic: string): T | undefined {
    return this.latestByTopic.get(topic);
  }

  /** Live subscribers of a topic, or of all (for tests and /health). */
  subscriberCount(topic?: string) {
    return this.subscribers.count(topic);
  }

  subscribe(topic: string, signal?: AbortSignal): AsyncIterableIterator<T> {
    const sub = createMailbox(this.latestByTopic.get(topic) ?? null);
    const unregister = this.subscribers.add(topic, sub);
    return iterateMailbox(sub, { signal, isLast: this.opts.isLast, onClose: unregister });
  }
}
