import { type Accessor, createComputed, createEffect, on, onCleanup } from 'solid-js';

/** How long a row takes to slide to its new rank. */
const FLIP_DURATION_MS = 450;

/**
 * FLIP (First, Last, Invert, Play; Paul Lewis, 2015): when `order` changes, each registered
 * element slides from where it was to where it now is, so a user sees the ranking settle rather
 * than rows jumping. `createComputed` runs before Solid moves DOM nodes (render effects), which
 * is where the "first" positions are read. When orders come faster than a slide plays (a fast
 * job's snapshots), the rows jump instead: a slide nobody can follow only costs the page frames.
 */
export function createFlip<K>(order: Accessor<readonly K[]>, now: () => number = () => performance.now()) {
  const elements = new Map<K, HTMLElement>();
  let first = new Map<K, number>();
  let lastChange = -Infinity;

  createComputed(
    on(order, () => {
      first = new Map();
      for (const [k, el] of elements) if (el.isConnected) first.set(k, el.getBoundingClientRect().top);
    }),
  );

  createEffect(
    on(
      order,
      () => {
        if (typeof window === 'undefined' || window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) return;
        const t = now();
        const tooFast = t - lastChange < FLIP_DURATION_MS;
        lastChange = t;
        for (const [k, el] of elements) {
          if (typeof el.animate !== 'function') return; // jsdom has no Web Animations
          el.getAnimations().forEach((a) => a.cancel());
          if (tooFast) continue;
          const before = first.get(k);
          const dy = before === undefined ? 0 : before - el.getBoundingClientRect().top;
          if (Math.abs(dy) < 0.5 && before !== undefined) continue;
          el.animate(
            before === undefined ? [{ opacity: 0 }, { opacity: 1 }] : [{ transform: `translateY(${dy}px)` }, { transform: 'none' }],
            { duration: FLIP_DURATION_MS, easing: 'cubic-bezier(0.2, 0, 0, 1)' },
          );
        }
      },
      { defer: true },
    ),
  );

  /** `ref={flip.track(key)}` on each row. */
  const track = (key: K) => (el: HTMLElement) => {
    elements.set(key, el);
    onCleanup(() => {
      if (elements.get(key) === el) elements.delete(key);
    });
  };
  return { track };
}
