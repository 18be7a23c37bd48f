import { describe, expect, it } from 'vitest';
import { SpritemapEvents, type SpritemapJobEvent } from '../../../server/spritemaps/spritemap-events.js';

const event = (jobId: string, done: number, extra: Partial<SpritemapJobEvent> = {}): SpritemapJobEvent => ({
  jobId,
  layer: 'mixed4d',
  size: 32,
  steps: 8,
  status: 'RUNNING',
  done,
  total: 10,
  etaSeconds: null,
  elapsedSeconds: 0,
  latest: [],
  error: null,
  ...extra,
});
const sprite = (channel: number) => ({ channel, png: new Uint8Array([channel]), activation: 1 });
const goingAway = (e: SpritemapJobEvent, taken: boolean) => ({ ...e, latest: taken ? [] : e.latest, goingAway: true });

async function drain<T>(it: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('LatestValueTopics.endAll (going away at shutdown)', () => {
  it('ends each open stream with one last value: the newest untaken (its sprites kept), or the latest again; a waiting finished value ends it as it is', async () => {
    const events = new SpritemapEvents();
    events.publish(event('a', 1, { latest: [sprite(0)] }));
    events.publish(event('b', 0));
    const caughtUp = events.subscribe('a');
    expect((await caughtUp.next()).value).toMatchObject({ done: 1 });
    const behind = events.subscribe('a');
    events.publish(event('a', 2, { latest: [sprite(1)] }));
    const finishing = events.subscribe('b');
    events.publish(event('b', 10, { status: 'SUCCEEDED' }));
    events.publish(event('c', 4, { latest: [sprite(3)] }));
    const tookLatest = events.subscribe('c');
    expect((await tookLatest.next()).value).toMatchObject({ done: 4 });

    events.endAll(goingAway);
    // Published after the end: not delivered, the going-away value stays the last.
    events.publish(event('a', 3, { latest: [sprite(2)] }));

    expect(await drain(caughtUp)).toEqual([{ ...event('a', 2, { latest: [sprite(1)] }), goingAway: true }]);
    // Its sprites were taken: the latest again, without them.
    expect(await drain(tookLatest)).toEqual([{ ...event('c', 4), goingAway: true }]);
    const [last, ...more] = await drain(behind);
    expect(more).toEqual([]);
    expect(last).toMatchObject({ done: 2, goingAway: true });
    expect(last.latest.map((s) => s.channel)).toEqual([0, 1]);
    expect(await drain(finishing)).toEqual([event('b', 10, { status: 'SUCCEEDED' })]);
    expect(events.subscriberCount()).toBe(0);
  });
});
