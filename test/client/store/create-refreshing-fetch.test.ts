import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRefreshingFetch } from '../../../client/src/store/create-refreshing-fetch';

/** A fetch whose answers the test gives by hand, in order. */
function manualFetch() {
  const calls: { key: string; answer: (v: string | null) => void }[] = [];
  const fetch = (key: string) => new Promise<string | null>((resolve) => calls.push({ key, answer: resolve }));
  return { calls, fetch };
}
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('createRefreshingFetch: details that follow a running job', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refetches a key at each new version, keeping the old value until the new one arrives', async () => {
    const { calls, fetch } = manualFetch();
    const cache = createRefreshingFetch(fetch, { minIntervalMs: 1000 });
    cache.ensure(['j:1'], 'RUNNING:10');
    expect(calls.map((c) => c.key)).toEqual(['j:1']);
    calls[0].answer('map@10');
    await settle();
    expect(cache.get('j:1')).toBe('map@10');

    cache.ensure(['j:1'], 'RUNNING:10');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1000);
    cache.ensure(['j:1'], 'RUNNING:20');
    expect(calls).toHaveLength(2);
    expect(cache.get('j:1')).toBe('map@10');
    calls[1].answer('map@20');
    await settle();
    expect(cache.get('j:1')).toBe('map@20');
  });

  it('samples a fast run: one fetch in flight, none within the interval, then only the newest version', async () => {
    const { calls, fetch } = manualFetch();
    const cache = createRefreshingFetch(fetch, { minIntervalMs: 1000 });
    cache.ensure(['j:1'], 'RUNNING:10');
    cache.ensure(['j:1'], 'RUNNING:20');
    cache.ensure(['j:1'], 'RUNNING:30');
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(300);
    calls[0].answer('map@10');
    await settle();
    cache.ensure(['j:1'], 'RUNNING:40');
    await vi.advanceTimersByTimeAsync(600);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(2);
    calls[1].answer('map@40');
    await settle();
    expect(cache.get('j:1')).toBe('map@40');
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(2);
  });

  it('keeps the old value when a fetch finds nothing, and does not poll for it', async () => {
    const { calls, fetch } = manualFetch();
    const cache = createRefreshingFetch(fetch, { minIntervalMs: 1000 });
    cache.ensure(['j:1', 'j:2'], 'RUNNING:10');
    calls[0].answer('map@10');
    calls[1].answer(null);
    await settle();
    expect(cache.get('j:1')).toBe('map@10');
    expect(cache.get('j:2')).toBeUndefined();

    await vi.advanceTimersByTimeAsync(1000);
    cache.ensure(['j:1'], 'RUNNING:100');
    calls[2].answer(null);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toHaveLength(3);
    expect(cache.get('j:1')).toBe('map@10');

    // The finished job's version asks again and gets the final map.
    cache.ensure(['j:1'], 'SUCCEEDED:100');
    expect(calls).toHaveLength(4);
    calls[3].answer('final');
    await settle();
    expect(cache.get('j:1')).toBe('final');
  });

  it('treats a failed fetch like one that found nothing', async () => {
    const cache = createRefreshingFetch(() => Promise.reject(new Error('offline')), { minIntervalMs: 0 });
    cache.ensure(['j:1'], 'RUNNING:10');
    await settle();
    expect(cache.get('j:1')).toBeUndefined();
  });
});
