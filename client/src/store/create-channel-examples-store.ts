import { useClient } from '@urql/solid';
import { ChannelExamplesDocument, type ChannelExamplesQuery } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

export type DatasetExample = ChannelExamplesQuery['layer']['datasetExamples'][number];

/** Per channel, the crops of the example images that excite it most (Layer.datasetExamples). */
export function createChannelExamplesStore() {
  const client = useClient();
  const key = (layer: string, channel: number) => `${layer}:${channel}`;
  const cache = createFetchOnce<DatasetExample[]>(async (k) => {
    const [layer, channel] = k.split(':');
    const result = await client.query(ChannelExamplesDocument, { layer, channel: Number(channel) }).toPromise();
    return result.data?.layer.datasetExamples ?? null;
  });
  return {
    ensure: (layer: string, channel: number) => cache.ensure([key(layer, channel)]),
    /** undefined while loading; empty when the server has no example images. */
    examples: (layer: string, channel: number) => cache.get(key(layer, channel)) ?? undefined,
  };
}
export type ChannelExamplesStore = ReturnType<typeof createChannelExamplesStore>;
