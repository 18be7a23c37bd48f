import { useClient } from '@urql/solid';
import { ChannelExamplesDocument, type ChannelExamplesQuery } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

export type DatasetExample = ChannelExamplesQuery['layer']['datasetExamples'][number];

/** Per channel, the crops of the example images that excite it most (Layer.datasetExamples). */
export function createChannelExamplesStore() {
  const client = useClient();
  // Model ids and layer names hold no newline: a safe separator.
  const key = (model: string | undefined, layer: string, channel: number) => [model ?? '', layer, channel].join('\n');
  const cache = createFetchOnce<DatasetExample[]>(async (k) => {
    const [model, layer, channel] = k.split('\n');
    const result = await client.query(ChannelExamplesDocument, { model: model || null, layer, channel: Number(channel) }).toPromise();
    return result.data?.layer.datasetExamples ?? null;
  });
  return {
    /** `model`: the layer's model (undefined: the built-in one). */
    ensure: (layer: string, channel: number, model?: string) => cache.ensure([key(model, layer, channel)]),
    /** undefined while loading; empty when the server has no example images. */
    examples: (layer: string, channel: number, model?: string) => cache.get(key(model, layer, channel)) ?? undefined,
  };
}
export type ChannelExamplesStore = ReturnType<typeof createChannelExamplesStore>;
