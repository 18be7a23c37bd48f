import { useClient } from '@urql/solid';
import { createStore } from 'solid-js/store';
import { HeatmapDocument } from '../gql/graphql';

/**
 * Channel heatmaps (PNG data URLs computed by the engine from a finished job's spatial map).
 * Each is fetched once per job and channel and kept: a finished job's map never changes.
 */
export function createHeatmapStore() {
  const client = useClient();
  // undefined: not asked yet; null: asked, none available; string: the data URL.
  const [maps, setMaps] = createStore<Record<string, string | null>>({});
  const requested = new Set<string>();
  const key = (jobId: string, channel: number) => `${jobId}:${channel}`;

  async function fetchOne(jobId: string, channel: number) {
    const k = key(jobId, channel);
    const result = await client.query(HeatmapDocument, { jobId, channel }, { requestPolicy: 'network-only' }).toPromise();
    const url = result.data?.job?.result?.heatmap ?? null;
    if (url === null) requested.delete(k); // not there yet (or an error): a later ensure() asks again
    setMaps(k, url);
  }

  return {
    /** Starts fetching the maps not already asked for. Call once the job has SUCCEEDED. */
    ensure(jobId: string, channels: readonly number[]) {
      for (const c of channels) {
        const k = key(jobId, c);
        if (requested.has(k)) continue;
        requested.add(k);
        void fetchOne(jobId, c);
      }
    },
    heatmap: (jobId: string | undefined, channel: number) => (jobId ? (maps[key(jobId, channel)] ?? undefined) : undefined),
  };
}
export type HeatmapStore = ReturnType<typeof createHeatmapStore>;
