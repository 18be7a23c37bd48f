import { type Accessor, createEffect, createSignal, on, onCleanup, untrack } from 'solid-js';

/** The browser's next-frame callback; a timer where there is none (jsdom, a worker). */
const nextFrame = (f: () => void): (() => void) => {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(f);
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(f, 16);
  return () => clearTimeout(id);
};

export interface CoalesceOptions<T> {
  /**
   * The largest share of the page's main thread the redraws may take: after a redraw that kept
   * it c ms (its script, then the browser's style, layout and paint, until the next frame
   * starts), the next one waits until c / share ms have passed since that one began. Default 1:
   * every frame may redraw.
   */
  maxBusyShare?: number;
  /** Values drawn at the next frame whatever the wait (a new job, the last snapshot). */
  urgent?: (next: T, shown: T) => boolean;
  now?: () => number;
}

/**
 * `source`, updated at most once per animation frame: however many values arrive between two
 * frames (snapshots of a fast job, a burst after the tab was busy), the views that read it redraw
 * once, with the latest. A hidden tab gets no frames, so it does no drawing at all until shown.
 * With `maxBusyShare` below 1, redraws are also spaced so that they take at most that share of
 * the main thread; the value drawn is always the latest.
 */
export function frameCoalesced<T>(source: Accessor<T>, options: CoalesceOptions<T> = {}): Accessor<T> {
  const share = Math.min(1, Math.max(0.01, options.maxBusyShare ?? 1));
  const now = options.now ?? (() => performance.now());
  const [value, setValue] = createSignal<T>(untrack(source), { equals: false });
  let cancelDraw: (() => void) | undefined;
  let cancelMeasure: (() => void) | undefined;
  let spacing: ReturnType<typeof setTimeout> | undefined;
  // When the last redraw began, and how long it kept the main thread.
  let lastStart = -Infinity;
  let lastCost = 0;

  const draw = () => {
    cancelDraw = undefined;
    const start = now();
    setValue(() => untrack(source));
    lastStart = start;
    lastCost = now() - start;
    if (share === 1) return;
    // The browser's own work for this redraw is done when the next frame begins.
    cancelMeasure?.();
    cancelMeasure = nextFrame(() => {
      cancelMeasure = undefined;
      lastCost = now() - start;
    });
  };
  const isUrgent = () => options.urgent?.(untrack(source), untrack(value)) ?? false;
  const schedule = () => {
    if (cancelDraw) return;
    if (spacing !== undefined) {
      if (!isUrgent()) return;
      clearTimeout(spacing);
      spacing = undefined;
    }
    const wait = isUrgent() ? 0 : lastStart + lastCost / share - now();
    if (wait <= 0) cancelDraw = nextFrame(draw);
    else
      spacing = setTimeout(() => {
        spacing = undefined;
        cancelDraw = nextFrame(draw);
      }, wait);
  };
  createEffect(on(source, schedule, { defer: true }));
  onCleanup(() => {
    cancelDraw?.();
    cancelMeasure?.();
    if (spacing !== undefined) clearTimeout(spacing);
  });
  return value;
}
