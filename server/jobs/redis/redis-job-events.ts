import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { JobEvent, JobEvents } from '../job-events.js';
import { isTerminal, type JobStatus } from '../job-record.js';
import type { RedisKeys } from './redis-connection.js';
import { exactJson } from '../sql/exact-json.js';
import { iterateMailbox, MailboxTopics, type Mailbox } from '../../events/latest-value-mailbox.js';

/** How long the latest event of a job stays readable; a finished job's is read from the store after. */
const LATEST_TTL_S = 24 * 3600;
/** Subscribers re-read the latest event this often: it catches up on events lost while Redis was away. */
const RESYNC_MS = 2000;

/** One routing key (`<prefix>:job-progress`), one topic per job id under it. */
type Topics = Record<string, [jobId: string, event: JobEvent]>;

const STATUS_ORDER: Record<JobStatus, number> = { QUEUED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2, INTERRUPTED: 2 };

/**
 * Is `next` news after `prev`? Status never goes back, steps never go back, nothing follows a
 * terminal event. A retried job (its worker died) starts over at step 0: those repeats are dropped
 * until it passes what subscribers have seen.
 */
export function isNewer(prev: JobEvent | null, next: JobEvent): boolean {
  if (!prev) return true;
  if (isTerminal(prev.status)) return false;
  if (isTerminal(next.status)) return true;
  const dStatus = STATUS_ORDER[next.status] - STATUS_ORDER[prev.status];
  if (dStatus !== 0) return dStatus > 0;
  return (next.snapshot?.stepsDone ?? 0) > (prev.snapshot?.stepsDone ?? 0);
}

interface Subscriber extends Mailbox<JobEvent> {
  close: () => void;
  /** Newest event accepted, taken or not: the floor for what comes next. */
  last: JobEvent | null;
  resync: () => void;
}

/**
 * Job events over Redis with Yoga's Redis event target: a typed pub/sub keyed by job id, so a
 * subscriber on any API instance sees what any worker publishes. The latest event of each job is
 * also kept in a key, so a late subscriber starts from it, and a subscriber re-reads it after a
 * reconnect (and every couple of seconds) so that nothing published during an outage is missed
 * for good. Same contract as InProcessJobEvents.
 */
export class RedisJobEvents implements JobEvents {
  private readonly pubsub;
  private readonly subscribers = new MailboxTopics<Subscriber>();
  /** Events this process published or received, for `latest` (the key is the shared truth). */
  private readonly latestSeen = new Map<string, JobEvent>();
  private readonly timer: NodeJS.Timeout;
  private readonly routingKey: string;

  constructor(
    private readonly opts: { publishClient: Redis; subscribeClient: Redis; keys: RedisKeys; log?: (m: string, e?: unknown) => void },
  ) {
    this.routingKey = `${opts.keys.prefix}:job-progress`;
    const eventTarget = createRedisEventTarget<any>({
      publishClient: opts.publishClient,
      subscribeClient: opts.subscribeClient,
      serializer: exactJson,
    });
    this.pubsub = createPubSub<Topics>({ eventTarget });
    const resyncAll = () => this.forEachSubscriber((s) => s.resync());
    opts.subscribeClient.on('ready', () => {
      // ioredis loses a SUBSCRIBE sent while a connection is between connected and ready: ask
      // again for every live topic (subscribing twice is harmless).
      const channels = this.subscribers.topics().map((id) => `${this.routingKey}:${id}`);
      if (channels.length) opts.subscribeClient.subscribe(...channels).catch(() => undefined);
      resyncAll();
    });
    this.timer = setInterval(resyncAll, RESYNC_MS).unref();
  }

  private forEachSubscriber(f: (s: Subscriber) => void) {
    for (const s of this.subscribers.all()) f(s);
  }

  publish(event: JobEvent) {
    this.remember(event);
    const { publishClient, keys } = this.opts;
    // Same connection, so the key is written before the message goes out: a subscriber that
    // reads the key after a message never finds an older event there.
    publishClient
      .set(keys.latest(event.jobId), exactJson.stringify(event), 'EX', LATEST_TTL_S)
      .catch((e) => this.opts.log?.('redis: latest event not stored', e));
    this.pubsub.publish(this.routingKey, event.jobId, event);
  }

  private remember(event: JobEvent) {
    if (isTerminal(event.status)) this.latestSeen.delete(event.jobId);
    else if (isNewer(this.latestSeen.get(event.jobId) ?? null, event)) this.latestSeen.set(event.jobId, event);
  }

  latest(jobId: string) {
    return this.latestSeen.get(jobId);
  }

  /** The latest event of a job as Redis has it (null when none, or when Redis is away). */
  async readLatest(jobId: string): Promise<JobEvent | null> {
    const text = await this.opts.publishClient.get(this.opts.keys.latest(jobId));
    return text ? (exactJson.parse(text) as JobEvent) : null;
  }

  subscriberCount(jobId?: string) {
    return this.subscribers.count(jobId);
  }

  subscribe(jobId: string, signal?: AbortSignal): AsyncIterableIterator<JobEvent> {
    const offer = (event: JobEvent) => {
      if (sub.closed || !isNewer(sub.last, event)) return;
      // A terminal event written from the store may lag the last published chunk: keep what was shown.
      const shown = sub.last?.snapshot;
      if (shown && (event.snapshot?.stepsDone ?? 0) < shown.stepsDone) event = { ...event, snapshot: shown };
      sub.last = event;
      sub.pending = event;
      this.remember(event);
      sub.wake?.();
    };
    let reading = false;
    const sub: Subscriber = {
      close: () => undefined,
      pending: null,
      last: null,
      wake: null,
      closed: false,
      ending: false,
      resync: () => {
        if (reading || sub.closed) return;
        reading = true;
        this.readLatest(jobId)
          .then(
            (e) => e && offer(e),
            () => undefined,
          )
          .finally(() => (reading = false));
      },
    };
    const unregister = this.subscribers.add(jobId, sub);

    const messages = this.pubsub.subscribe(this.routingKey, jobId);
    void (async () => {
      for await (const event of messages) offer(event);
    })().catch((e) => this.opts.log?.('redis: job events subscription failed', e));
    // Late subscribers start from the latest event.
    sub.resync();

    const stop = new AbortController();
    sub.close = () => stop.abort();
    return iterateMailbox(sub, {
      signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
      isLast: (e) => isTerminal(e.status),
      onClose: () => {
        unregister();
        void messages.return();
      },
    });
  }

  /** Ends every subscription and stops re-reading; the connections are the caller's. */
  close() {
    clearInterval(this.timer);
    this.forEachSubscriber((s) => {
      s.pending = null;
      s.close();
    });
  }
}
