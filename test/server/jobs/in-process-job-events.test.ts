import { describe, expect, it } from 'vitest';
import { InProcessJobEvents } from '../../../server/jobs/in-process-job-events.js';
import { snapshot } from './job-store-conformance.js';
import { drain, ev, steps } from './helpers/job-events.js';

describe('InProcessJobEvents', () => {
  it('gives a late subscriber the latest event first, then live ones, and completes after the terminal one', async () => {
    const events = new InProcessJobEvents();
    events.publish(ev(10));
    events.publish(ev(20));
    const sub = events.subscribe('j');
    const first = await sub.next();
    expect(first.value.snapshot.stepsDone).toBe(20);
    const rest = drain(sub);
    events.publish(ev(30));
    await new Promise((r) => setTimeout(r, 0));
    events.publish(ev(50, 'SUCCEEDED'));
    expect(steps(await rest)).toEqual([30, 50]);
    expect(events.subscriberCount('j')).toBe(0);
  });

  it('keeps only the newest undelivered event for a slow subscriber', async () => {
    const events = new InProcessJobEvents();
    const sub = events.subscribe('j');
    for (let s = 1; s <= 1000; s++) events.publish(ev(s));
    // Nothing was pulled while 1000 events went by: the subscriber sees only the newest.
    expect((await sub.next()).value.snapshot.stepsDone).toBe(1000);
    events.publish(ev(1001, 'SUCCEEDED'));
    expect(steps(await drain(sub))).toEqual([1001]);
  });

  it('never drops the terminal event, even when it overwrites an undelivered one', async () => {
    const events = new InProcessJobEvents();
    const sub = events.subscribe('j');
    events.publish(ev(5));
    events.publish({ jobId: 'j', status: 'CANCELLED', stepsTotal: 50, snapshot: ev(5).snapshot, error: null });
    const got = await drain(sub);
    expect(got.map((e) => e.status)).toEqual(['CANCELLED']);
  });

  it('delivers every event to a subscriber that keeps up', async () => {
    const events = new InProcessJobEvents();
    const sub = events.subscribe('j');
    const got = drain(sub);
    for (let s = 1; s <= 5; s++) {
      events.publish(ev(s * 10, s === 5 ? 'SUCCEEDED' : 'RUNNING'));
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(steps(await got)).toEqual([10, 20, 30, 40, 50]);
  });

  it('keeps topics apart', async () => {
    const events = new InProcessJobEvents();
    const a = events.subscribe('a');
    events.publish(ev(1, 'RUNNING', 'b'));
    events.publish(ev(2, 'SUCCEEDED', 'a'));
    expect(steps(await drain(a))).toEqual([2]);
    expect(events.latest('b')!.snapshot!.stepsDone).toBe(1);
  });

  it('forgets a finished topic, so memory does not grow with finished jobs', () => {
    const events = new InProcessJobEvents();
    events.publish(ev(1));
    events.publish(ev(2, 'SUCCEEDED'));
    expect(events.latest('j')).toBeUndefined();
  });

  it('ends a waiting subscription on abort and on return()', async () => {
    const events = new InProcessJobEvents();
    const controller = new AbortController();
    const aborted = events.subscribe('j', controller.signal);
    const pending = aborted.next();
    controller.abort();
    expect((await pending).done).toBe(true);

    const returned = events.subscribe('j');
    const waiting = returned.next();
    await returned.return!();
    expect((await waiting).done).toBe(true);
    expect(events.subscriberCount()).toBe(0);
    events.publish(ev(3));
    expect((await returned.next()).done).toBe(true);
  });
});
