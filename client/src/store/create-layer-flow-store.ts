import { useClient } from '@urql/solid';
import { LayerFlowDocument } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

/** Where one position of a later layer comes from in the layer before it: a heatmap over that layer's grid. */
export type LayerFlow = { heatmap: string; magnitude: number } | { error: string };

/**
 * Layer-to-layer spatial attribution of one position, between two neighbouring layers of a job's
 * image (one backward pass on the server), fetched once per (model, image, layers, position) when
 * the user picks a position in the layers view.
 */
export function createLayerFlowStore() {
  const client = useClient();
  const cache = createFetchOnce<LayerFlow>(async (key) => {
    const [model, imageId, from, to, x, y] = JSON.parse(key) as [string | null, string, string, string, number, number];
    const r = await client.query(LayerFlowDocument, { model, imageId, from, to, x, y }, { requestPolicy: 'network-only' }).toPromise();
    const t = r.data?.layerToLayerAttribution.targets[0];
    if (!t) return { error: r.error?.graphQLErrors[0]?.message ?? r.error?.message ?? 'No layer-to-layer attribution came back.' };
    return { heatmap: t.attribution.heatmap, magnitude: t.magnitude };
  });
  return {
    /** undefined while it loads. */
    flow(model: string | undefined, imageId: string, from: string, to: string, x: number, y: number): LayerFlow | undefined {
      const key = JSON.stringify([model ?? null, imageId, from, to, x, y]);
      cache.ensure([key]);
      return cache.get(key) ?? undefined;
    },
  };
}
export type LayerFlowStore = ReturnType<typeof createLayerFlowStore>;
