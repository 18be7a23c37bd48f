import { createEffect, createRoot, createSignal } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { frameCoalesced } from '../../../client/src/lib/frame-coalesced';

/** A hand-driven requestAnimationFrame: frames run only when the test says so. */
let frames: (() => void)[] = [];
const flushFrame = () => {
  const now = frames;
  frames = [];
  now.forEach((f) => f());
};
globalThis.requestAnimationFrame = (f: FrameRequestCallback) => frames.push(() => f(0));
globalThis.cancelAnimationFrame = () => undefined;
afterEach(() => (frames = []));

describe('frameCoalesced', () => {
  it('passes on only the latest of the values that arrive between two frames, once per frame', async () => {
    await createRoot(async (dispose) => {
      const [source, setSource] = createSignal(0);
      const shown = frameCoalesced(source);
      const draws: number[] = [];
      createEffect(() => draws.push(shown()));
      await Promise.resolve();
      expect(draws).toEqual([0]);
      setSource(1);
      setSource(2);
      setSource(3);
      // Nothing is drawn before the frame, and the frame draws the latest once.
      expect(shown()).toBe(0);
      expect(frames).toHaveLength(1);
      flushFrame();
      expect(draws).toEqual([0, 3]);
      // No new value: no frame is asked for.
      flushFrame();
      expect(frames).toHaveLength(0);
      setSource(4);
      flushFrame();
      expect(draws).toEqual([0, 3, 4]);
      dispose();
    });
  });

  it('a hidden tab (no frames) draws nothing until a frame comes, then the latest value', async () => {
    await createRoot(async (dispose) => {
      const [source, setSource] = createSignal('a');
      const shown = frameCoalesced(source);
      await Promise.resolve();
      for (const v of ['b', 'c', 'd', 'e']) setSource(v);
      expect(shown()).toBe('a');
      expect(frames).toHaveLength(1);
      flushFrame();
      expect(shown()).toBe('e');
      dispose();
    });
  });
});

describe('frameCoalesced with a busy share', () => {
  it('spaces redraws so that they take at most the share of the main thread, drawing the latest value', async () => {
    await createRoot(async (dispose) => {
      let clock = 0;
      const timers: { at: number; f: () => void }[] = [];
      const realSetTimeout = globalThis.setTimeout;
      globalThis.setTimeout = ((f: () => void, ms: number) => {
        timers.push({ at: clock + ms, f });
        return timers.length as unknown as ReturnType<typeof setTimeout>;
      }) as typeof setTimeout;
      try {
        const [source, setSource] = createSignal(0);
        // Each redraw (and the frame after it) costs 100 ms of the clock: a share of 0.25 spaces them 400 ms apart.
        const shown = frameCoalesced(source, { maxBusyShare: 0.25, now: () => clock });
        const draws: number[] = [];
        createEffect(() => {
          draws.push(shown());
          clock += 60;
        });
        await Promise.resolve();
        setSource(1);
        flushFrame(); // draws 1 at t=60..120
        clock += 40;
        flushFrame(); // the frame after it: the redraw cost 100 ms in all
        expect(draws).toEqual([0, 1]);
        setSource(2);
        setSource(3);
        // Too soon: no frame is asked for, a timer waits until 400 ms after the last redraw began.
        expect(frames).toHaveLength(0);
        expect(timers.map((t) => t.at)).toEqual([460]);
        clock = 460;
        timers.shift()!.f();
        flushFrame();
        expect(draws).toEqual([0, 1, 3]);
      } finally {
        globalThis.setTimeout = realSetTimeout;
      }
      dispose();
    });
  });

  it('draws an urgent value at the next frame, whatever the spacing', async () => {
    await createRoot(async (dispose) => {
      let clock = 0;
      const [source, setSource] = createSignal(0);
      const shown = frameCoalesced(source, { maxBusyShare: 0.01, now: () => clock, urgent: (next) => next >= 100 });
      const draws: number[] = [];
      createEffect(() => {
        draws.push(shown());
        clock += 50;
      });
      await Promise.resolve();
      setSource(1);
      flushFrame();
      flushFrame();
      setSource(2);
      expect(frames).toHaveLength(0);
      // The last snapshot does not wait out the 5 s the share would ask for.
      setSource(100);
      expect(frames).toHaveLength(1);
      flushFrame();
      expect(draws).toEqual([0, 1, 100]);
      dispose();
    });
  });
});
