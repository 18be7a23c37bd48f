import { useClient } from '@urql/solid';
import { GroupIconsDocument } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

/**
 * A job's group icons: its groups are fixed from the first snapshot, so the icons are fetched
 * once per job. The server renders them on that first ask (tens of seconds), so this is a
 * query of its own, never part of the progress stream.
 */
export function createGroupIconsStore() {
  const client = useClient();
  const cache = createFetchOnce<(string | null)[]>(async (jobId) => {
    const r = await client.query(GroupIconsDocument, { jobId }, { requestPolicy: 'network-only' }).toPromise();
    const groups = r.data?.job?.result?.groups?.groups;
    return groups ? groups.map((g) => g.icon ?? null) : null;
  });
  return {
    ensure: (jobId: string) => cache.ensure([jobId]),
    icons: (jobId: string | undefined) => (jobId ? cache.get(jobId) : undefined),
  };
}
export type GroupIconsStore = ReturnType<typeof createGroupIconsStore>;
