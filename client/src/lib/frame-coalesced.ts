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

/**
 * `source`, updated at most once per animation frame: however many values arrive between two
 * frames (snapshots of a fast job, a burst after the tab was busy), the views that read it redraw
 * once, with the latest. A hidden tab gets no frames, so it does no drawing at all until shown.
 */
export function frameCoalesced<T>(source: Accessor<T>): Accessor<T> {
  const [value, setValue] = createSignal<T>(untrack(source), { equals: false });
  let cancel: (() => void) | undefined;
  createEffect(
    on(
      source,
      () => {
        cancel ??= nextFrame(() => {
          cancel = undefined;
          setValue(() => untrack(source));
        });
      },
      { defer: true },
    ),
  );
  onCleanup(() => cancel?.());
  return value;
}
