import { useClient } from '@urql/solid';
import { HeatmapDocument } from '../gql/graphql';
import { createRefreshingFetch } from './create-refreshing-fetch';

/** Least time between two fetches of one heatmap: a fast run redraws about once a second. */
export const HEATMAP_REFRESH_MS = 1000;

/** Channel heatmaps: PNG data URLs the engine draws from a job's spatial map, running or final. */
export function createHeatmapStore() {
  const client = useClient();
  const key = (jobId: string, channel: number) => `${jobId}:${channel}`;
  const cache = createRefreshingFetch<string>(async (k) => {
    const [jobId, channel] = k.split(':');
    const result = await client.query(HeatmapDocument, { jobId, channel: Number(channel) }, { requestPolicy: 'network-only' }).toPromise();
    return result.data?.job?.result?.heatmap ?? null;
  }, { minIntervalMs: HEATMAP_REFRESH_MS });
  return {
    /** Fetches the maps as of `version` (the job's status and steps done); each new version refetches them. */
    ensure: (jobId: string, channels: readonly number[], version: string) => cache.ensure(channels.map((c) => key(jobId, c)), version),
    heatmap: (jobId: string | undefined, channel: number) => (jobId ? cache.get(key(jobId, channel)) : undefined),
  };
}
export type HeatmapStore = ReturnType<typeof createHeatmapStore>;
