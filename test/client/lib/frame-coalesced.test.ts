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
