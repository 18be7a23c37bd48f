import { createStore } from 'solid-js/store';

/**
 * A reactive cache for things that never change once they exist (a finished job's heatmaps, a
 * layer's dataset examples): each key is fetched once and kept. A fetch that finds nothing
 * (null) may be asked again by a later `ensure`.
 */
export function createFetchOnce<T>(fetch: (key: string) => Promise<T | null>) {
  const [values, setValues] = createStore<Record<string, T | null>>({});
  const requested = new Set<string>();
  return {
    ensure(keys: readonly string[]) {
      for (const k of keys) {
        if (requested.has(k)) continue;
        requested.add(k);
        void fetch(k).then((v) => {
          if (v === null) requested.delete(k);
          setValues(k, () => v);
        });
      }
    },
    /** undefined: not fetched yet; null: nothing there (yet). */
    get: (key: string): T | null | undefined => values[key],
  };
}
