import { useClient } from '@urql/solid';
import { HeatmapDocument } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

/** Channel heatmaps: PNG data URLs the engine computes from a finished job's spatial map. */
export function createHeatmapStore() {
  const client = useClient();
  const key = (jobId: string, channel: number) => `${jobId}:${channel}`;
  const cache = createFetchOnce<string>(async (k) => {
    const [jobId, channel] = k.split(':');
    const result = await client.query(HeatmapDocument, { jobId, channel: Number(channel) }, { requestPolicy: 'network-only' }).toPromise();
    return result.data?.job?.result?.heatmap ?? null;
  });
  return {
    /** Fetches the maps not asked for yet. Call once the job has SUCCEEDED. */
    ensure: (jobId: string, channels: readonly number[]) => cache.ensure(channels.map((c) => key(jobId, c))),
    heatmap: (jobId: string | undefined, channel: number) => (jobId ? (cache.get(key(jobId, channel)) ?? undefined) : undefined),
  };
}
export type HeatmapStore = ReturnType<typeof createHeatmapStore>;
