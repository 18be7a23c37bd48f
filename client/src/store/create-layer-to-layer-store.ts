import { useClient } from '@urql/solid';
import { LayerToLayerDocument } from '../gql/graphql';
import type { LayerToLayerView } from '../components/LayerToLayerDetail';
import { createFetchOnce } from './create-fetch-once';

/**
 * A job's layer-to-layer spatial attribution to one later layer: every target position at once
 * (one backward pass each on the server, a few seconds), fetched once per (job, layer) and only
 * when the user asks, since it does not change as the job runs (it needs only the image).
 */
export function createLayerToLayerStore() {
  const client = useClient();
  const cache = createFetchOnce<LayerToLayerView | { error: string }>(async (key) => {
    const [jobId, to] = key.split('|');
    const r = await client.query(LayerToLayerDocument, { jobId, to }, { requestPolicy: 'network-only' }).toPromise();
    const a = r.data?.job?.layerToLayerAttribution;
    if (!a) return { error: r.error?.graphQLErrors[0]?.message ?? r.error?.message ?? 'No layer-to-layer attribution came back.' };
    const heatmaps = new Array<string>(a.toWidth * a.toHeight).fill('');
    for (const t of a.targets) heatmaps[t.y * a.toWidth + t.x] = t.attribution.heatmap;
    return { from: a.from, to: a.to, fromWidth: a.fromWidth, fromHeight: a.fromHeight, toWidth: a.toWidth, toHeight: a.toHeight, heatmaps };
  });
  const key = (jobId: string, to: string) => `${jobId}|${to}`;
  return {
    ensure: (jobId: string, to: string) => cache.ensure([key(jobId, to)]),
    get: (jobId: string | undefined, to: string | undefined) => (jobId && to ? cache.get(key(jobId, to)) : undefined),
  };
}
export type LayerToLayerStore = ReturnType<typeof createLayerToLayerStore>;
