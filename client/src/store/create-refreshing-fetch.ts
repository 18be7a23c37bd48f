import { createStore } from 'solid-js/store';

export interface RefreshingFetchOptions {
  /** Least time between two fetches of one key. */
  minIntervalMs: number;
  now?: () => number;
}

interface KeyState {
  /** The version the views want, and the one the newest fetch was for. */
  wanted: string;
  fetched?: string;
  inFlight: boolean;
  lastStart: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * A reactive cache of things that change as a version moves on (a running job's position details follow
 * its steps): a key is fetched again when asked for at another version, with at most one fetch in
 * flight per key and none sooner than `minIntervalMs` after the last, so a fast run is sampled
 * rather than queued. A value stays until a newer one arrives; a fetch that finds nothing (null)
 * keeps the old value and is retried by the next `ensure`, never polled.
 */
export function createRefreshingFetch<T>(fetch: (key: string) => Promise<T | null>, options: RefreshingFetchOptions) {
  const now = options.now ?? (() => Date.now());
  const [values, setValues] = createStore<Record<string, T>>({});
  const states = new Map<string, KeyState>();

  const pump = (key: string, st: KeyState) => {
    if (st.inFlight || st.timer || st.fetched === st.wanted) return;
    const wait = st.lastStart + options.minIntervalMs - now();
    if (wait > 0) {
      st.timer = setTimeout(() => {
        st.timer = undefined;
        pump(key, st);
      }, wait);
      return;
    }
    const version = st.wanted;
    st.inFlight = true;
    st.fetched = version;
    st.lastStart = now();
    fetch(key)
      .catch(() => null)
      .then((v) => {
        st.inFlight = false;
        if (v !== null) setValues(key, () => v);
        else if (st.wanted === version) {
          // Nothing there: the next ensure asks again, even at this version.
          st.fetched = undefined;
          return;
        }
        pump(key, st);
      });
  };

  return {
    /** Asks for `keys` as of `version`: each is fetched unless its newest fetch was for that version. */
    ensure(keys: readonly string[], version: string) {
      for (const key of keys) {
        let st = states.get(key);
        if (!st) states.set(key, (st = { wanted: version, inFlight: false, lastStart: -Infinity }));
        st.wanted = version;
        pump(key, st);
      }
    },
    /** The newest value fetched; undefined until one exists. */
    get: (key: string): T | undefined => values[key],
  };
}
