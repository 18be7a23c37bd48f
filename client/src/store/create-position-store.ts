import { useClient } from '@urql/solid';
import { PositionDocument } from '../gql/graphql';
import type { PositionInfo } from '../components/PositionDetail';
import { createRefreshingFetch } from './create-refreshing-fetch';

/** Least time between two fetches of one position while a job runs (its spatial attribution refines). */
export const POSITION_REFRESH_MS = 1000;

/** A job's semantic dictionary and spatial attribution at one grid position, refetched as the job's steps move on. */
export function createPositionStore() {
  const client = useClient();
  const key = (jobId: string, x: number, y: number) => `${jobId}:${x}:${y}`;
  const cache = createRefreshingFetch<PositionInfo>(
    async (k) => {
      const [jobId, x, y] = k.split(':');
      const r = await client.query(PositionDocument, { jobId, x: Number(x), y: Number(y) }, { requestPolicy: 'network-only' }).toPromise();
      const job = r.data?.job;
      if (!job) return null;
      return { channels: job.semanticDictionary.channels, attribution: job.result?.spatialAttribution?.value ?? null };
    },
    { minIntervalMs: POSITION_REFRESH_MS },
  );
  return {
    ensure: (jobId: string, x: number, y: number, version: string) => cache.ensure([key(jobId, x, y)], version),
    info: (jobId: string | undefined, x: number, y: number) => (jobId ? cache.get(key(jobId, x, y)) : undefined),
  };
}
export type PositionStore = ReturnType<typeof createPositionStore>;
