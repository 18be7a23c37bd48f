import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../server/jobs/job-events.js';
import { connectRedis, RedisKeys } from '../../server/jobs/redis/redis-connection.js';
import { isNewer, RedisJobEvents } from '../../server/jobs/redis/redis-job-events.js';
import { snapshot } from '../server/jobs/job-store-conformance.js';
import { missingServices, startRedis, type RedisService } from './helpers/services.js';
import { drain, ev, steps } from '../server/jobs/helpers/job-events.js';

describe('isNewer', () => {
  it('orders by status, then steps, and accepts nothing after a terminal event', () => {
    expect(isNewer(null, ev(0, 'QUEUED'))).toBe(true);
    expect(isNewer(ev(0, 'QUEUED'), ev(0))).toBe(true);
    expect(isNewer(ev(10), ev(10))).toBe(false);
    expect(isNewer(ev(10), ev(5))).toBe(false);
    expect(isNewer(ev(10), ev(0, 'QUEUED'))).toBe(false);
    expect(isNewer(ev(10), ev(5, 'CANCELLED'))).toBe(true);
    expect(isNewer(ev(50, 'SUCCEEDED'), ev(50, 'SUCCEEDED'))).toBe(false);
  });
});

const skip = missingServices();
if (skip) console.warn(`test/scale-out/redis-job-events.test.ts ${skip}`);

describe.skipIf(skip)('RedisJobEvents', () => {
  let redis: RedisService;
  const clients: Redis[] = [];
  let n = 0;
  /** Two "instances": each its own connections, sharing one Redis and prefix. */
  const pair = () => {
    const keys = new RedisKeys(`events-test-${n++}`);
    const make = () => {
      const [pub, sub] = [connectRedis(redis.url), connectRedis(redis.url)];
      clients.push(pub, sub);
      return new RedisJobEvents({ publishClient: pub, subscribeClient: sub, keys });
    };
    return [make(), make()];
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
    await redis?.stop();
  });

  it('gives a subscriber on another instance the latest event first, then live ones, and completes after the terminal one', async () => {
    const [a, b] = pair();
    a.publish(ev(10));
    a.publish(ev(20));
    await new Promise((r) => setTimeout(r, 100));
    const sub = b.subscribe('j');
    expect((await sub.next()).value.snapshot.stepsDone).toBe(20);
    expect(b.subscriberCount('j')).toBe(1);
    const rest = drain(sub);
    await new Promise((r) => setTimeout(r, 100)); // the SUBSCRIBE is through
    a.publish(ev(30));
    await new Promise((r) => setTimeout(r, 50));
    a.publish(ev(50, 'SUCCEEDED'));
    expect(steps(await rest)).toEqual([30, 50]);
    expect(b.subscriberCount('j')).toBe(0);
  });

  it('drops events that would take stepsDone back (a job started again after its worker died)', async () => {
    const [a, b] = pair();
    const sub = b.subscribe('j');
    await new Promise((r) => setTimeout(r, 100));
    const got: JobEvent[] = [];
    const done = (async () => {
      for await (const e of sub) got.push(e);
    })();
    for (const s of [10, 20]) a.publish(ev(s));
    await new Promise((r) => setTimeout(r, 50));
    // The retry starts over: 0 and 10 were shown already, 30 is news.
    for (const s of [0, 10, 30]) a.publish(ev(s));
    await new Promise((r) => setTimeout(r, 50));
    // A terminal event read from the store may lag: it keeps the steps already shown.
    a.publish(ev(25, 'INTERRUPTED'));
    await done;
    const shown = steps(got);
    expect(shown).toEqual([...shown].sort((x, y) => x! - y!));
    expect(shown.at(-1)).toBe(30);
    expect(got.at(-1)!.status).toBe('INTERRUPTED');
    expect(shown).not.toContain(0);
  });

  it('keeps NaN and Infinity through Redis', async () => {
    const [a, b] = pair();
    const e = ev(10);
    e.snapshot!.completenessGap = Infinity;
    e.snapshot!.rankStability = NaN;
    a.publish(e);
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.readLatest('j')).toEqual(e);
  });

  it('ends subscriptions when the signal aborts', async () => {
    const [, b] = pair();
    const stop = new AbortController();
    const sub = b.subscribe('j', stop.signal);
    const next = sub.next();
    stop.abort();
    expect((await next).done).toBe(true);
    expect(b.subscriberCount()).toBe(0);
  });
});
