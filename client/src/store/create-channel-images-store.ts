import { useClient } from '@urql/solid';
import { type ChannelDirection, ChannelImagesDocument, type ChannelImagesQuery } from '../gql/graphql';
import { createFetchOnce } from './create-fetch-once';

export type ChannelImage = NonNullable<NonNullable<ChannelImagesQuery['job']>['result']>['layers'][number]['channelImages'][number];

/**
 * Per job, layer and channel, the images of a multi-image job where the channel matters most
 * (LayerEstimate.channelImages), each with its value and its map over the image. Keyed by the
 * images done too, so the gallery follows the job as images complete.
 */
export function createChannelImagesStore() {
  const client = useClient();
  const key = (jobId: string, layer: string, channel: number, direction: ChannelDirection, imagesDone: number) =>
    JSON.stringify([jobId, layer, channel, direction, imagesDone]);
  const cache = createFetchOnce<ChannelImage[]>(async (k) => {
    const [jobId, layer, channel, direction] = JSON.parse(k) as [string, string, number, ChannelDirection];
    const r = await client
      .query(ChannelImagesDocument, { jobId, layer, channel, direction }, { requestPolicy: 'network-only' })
      .toPromise();
    return r.data?.job?.result?.layers.find((l) => l.layer === layer)?.channelImages ?? null;
  });
  return {
    /** undefined while loading. */
    images(jobId: string, layer: string, channel: number, direction: ChannelDirection, imagesDone: number) {
      const k = key(jobId, layer, channel, direction, imagesDone);
      cache.ensure([k]);
      return cache.get(k) ?? undefined;
    },
  };
}
export type ChannelImagesStore = ReturnType<typeof createChannelImagesStore>;
