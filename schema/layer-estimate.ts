import { bottomChannels, channelOrder, topChannels } from '../server/engine/attribution/channel-ranking.js';
import { imagesWhereChannelMatters } from '../server/engine/attribution/image-mean.js';
import type { ImagesProgress, LayerEstimate, Snapshot } from '../server/engine/attribution/types.js';
import { EngineError } from '../server/errors/engine-error.js';
import { channelMaps } from '../server/images/channel-maps.js';
import type { JobRecord } from '../server/jobs/job-record.js';
import { jobImageIds } from '../server/jobs/multi-job.js';
import { builder } from './builder.js';
import { ChannelMapsRef } from './channel-map.js';
import { ChannelScoreRef, type ChannelLayer } from './channel-score.js';
import type { Context } from './context.js';
import { ImageRef, requireImage } from './image.js';

/** A layer's estimate as the schema serves it: with its job, for the images, maps and galleries. */
export interface LayerEstimateShape {
  jobId: string;
  estimate: LayerEstimate;
}

/** Most channels or images one list argument may ask for. */
const MAX_LIST = 4096;
const MAX_MAPS = 64;
function checkCount(name: string, n: number | null | undefined, max = MAX_LIST, fallback = 10) {
  const k = n ?? fallback;
  if (!Number.isInteger(k) || k < 0 || k > max) throw new EngineError('BAD_ARGUMENT', `${name} must be 0..${max}, got ${k}.`);
  return k;
}

/** The per-layer estimates of a snapshot: a multi job's own, or a single job's one layer. */
export function layerEstimatesOf(snapshot: Snapshot | null, job: Pick<JobRecord, 'request' | 'status'>): LayerEstimate[] {
  if (!snapshot) return [];
  if (snapshot.layers) return snapshot.layers;
  const { layers: _l, images: _i, groups: _g, projections: _p, ...own } = snapshot;
  return [{ ...own, layer: job.request.layer, status: snapshot.done ? 'DONE' : 'RUNNING' }];
}

/** The job's model and this layer, read from the store on first call only: every score of one list shares them (for sprites). */
function channelLayer(ctx: Context, e: LayerEstimateShape): () => Promise<ChannelLayer | null> {
  let at: Promise<ChannelLayer | null> | undefined;
  return () => (at ??= ctx.jobs.get(e.jobId).then((j) => (j ? { model: j.model, layer: e.estimate.layer } : null)));
}

const ranked = (e: LayerEstimate, list: 'top' | 'bottom', n: number, at?: () => Promise<ChannelLayer | null>) => {
  const order = channelOrder(e.values);
  const pick = list === 'top' ? topChannels : bottomChannels;
  return pick(e.values, n, order, e.errors).map((c) => ({ ...c, layer: at }));
};

/** The finished images of a job at one layer, in image order, with their estimates. */
async function imageEstimates(ctx: Context, jobId: string, layer: string) {
  const job = await ctx.jobs.require(jobId);
  const ids = jobImageIds(job);
  const units = (await ctx.jobs.units(jobId)).filter((u) => u.layer === layer);
  return units.map((u) => ({ index: u.imageIndex, imageId: ids[u.imageIndex], snapshot: u.snapshot }));
}

export const LayerStatusRef = builder.enumType('LayerStatus', {
  description: 'Where one layer of a job over several layers or images stands.',
  values: {
    QUEUED: { description: 'Not started.' },
    RUNNING: { description: 'Integrating (over several images: some images are in its mean).' },
    DONE: { description: 'Every image is done at this layer.' },
  } as const,
});

export const ChannelImageRef = builder
  .objectRef<{ index: number; imageId: string; value: number; error: number; rank: number; jobId: string; layer: string }>('ChannelImage')
  .implement({
    description: "An image of a multi-image job where a channel matters, with that channel's value there.",
    fields: (t) => ({
      imageIndex: t.int({ description: "The image's position in the job's `images`.", resolve: (c) => c.index }),
      image: t.field({ type: ImageRef, description: 'The image.', resolve: (c, _a, ctx) => requireImage(ctx.images, c.imageId) }),
      value: t.exposeFloat('value', { description: "The channel's attribution in this image." }),
      error: t.exposeFloat('error', { description: "That value's standard error (its integration error)." }),
      rank: t.exposeInt('rank', { description: '1 = the image where the channel is largest (POSITIVE) or most negative (NEGATIVE).' }),
      heatmap: t.field({
        type: ChannelMapsRef,
        nullable: true,
        description: "The channel's spatial map in this image (compact, as `channelMaps`), to lay over it.",
        resolve: async (c, _a, ctx) => {
          const map = await ctx.jobs.unitSpatial(c.jobId, c.index, c.layer);
          return map && { height: map.height, width: map.width, maps: channelMaps(map, [imageChannel.get(c) ?? 0]) };
        },
      }),
    }),
  });
/** The channel a gallery entry is about (kept beside the entry, not in its public fields). */
const imageChannel = new WeakMap<object, number>();

export const ChannelDirectionRef = builder.enumType('ChannelDirection', {
  description: 'Which way a channel pushes the score.',
  values: {
    POSITIVE: { description: 'Toward class 1: the largest values first.' },
    NEGATIVE: { description: 'Toward class 2: the most negative values first.' },
  } as const,
});

export const ConsistencyRef = builder
  .objectRef<{ channel: number; top: number; bottom: number; images: number; value: number }>('ChannelConsistency')
  .implement({
    description: "How consistently a channel ranks among a job's images.",
    fields: (t) => ({
      channel: t.exposeInt('channel', { description: 'Channel index.' }),
      top: t.exposeInt('top', { description: "Images that have it in their own top K (K = the job's topK)." }),
      bottom: t.exposeInt('bottom', { description: 'Images that have it in their own bottom K.' }),
      images: t.exposeInt('images', { description: 'Images done at this layer (the counts are out of these).' }),
      value: t.exposeFloat('value', { description: "The channel's mean value." }),
    }),
  });

export const LayerEstimateRef = builder.objectRef<LayerEstimateShape>('LayerEstimate').implement({
  description:
    "One layer's estimate in a job: the same fields as the job's own estimate. In a job over several images `values` is the " +
    'mean over the images done, and `errors` combines the spread between images (standard error of the mean) with the ' +
    'images\' integration errors (docs/api.md, "Several images").',
  fields: (t) => ({
    layer: t.string({ description: 'The layer.', resolve: (e) => e.estimate.layer }),
    status: t.field({ type: LayerStatusRef, description: 'Queued, running or done.', resolve: (e) => e.estimate.status }),
    stepsDone: t.int({ description: 'Path steps integrated at this layer (over all images).', resolve: (e) => e.estimate.stepsDone }),
    stepsTotal: t.int({ description: 'Most path steps at this layer (over all images).', resolve: (e) => e.estimate.stepsTotal }),
    values: t.floatList({
      description: 'Every channel, in channel order (the mean over images, for several).',
      resolve: (e) => e.estimate.values,
    }),
    errors: t.floatList({ description: 'One standard error per channel; bars are value ± 2 errors.', resolve: (e) => e.estimate.errors }),
    relativeError: t.float({ description: '|errors| / |values|.', resolve: (e) => e.estimate.relativeError }),
    settled: t.boolean({ description: 'The top and bottom K lists are settled within the bars.', resolve: (e) => e.estimate.settled }),
    completenessGap: t.float({
      description: '|sum(values) - (score - baselineScore)| / |score - baselineScore| (means, over several images).',
      resolve: (e) => e.estimate.completenessGap,
    }),
    rankStability: t.float({
      description: 'Share of the top/bottom K kept since the previous estimate.',
      resolve: (e) => e.estimate.rankStability,
    }),
    score: t.float({ description: 'score(A) (the mean over images, for several).', resolve: (e) => e.estimate.score }),
    baselineScore: t.float({ description: "score(0) with this layer's activations zeroed.", resolve: (e) => e.estimate.baselineScore }),
    elapsedMs: t.float({ description: 'Compute time at this layer, in milliseconds.', resolve: (e) => e.estimate.elapsedMs }),
    top: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most positive channels.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many (0..4096).' }) },
      resolve: (e, { first }, ctx) => ranked(e.estimate, 'top', checkCount('first', first), channelLayer(ctx, e)),
    }),
    bottom: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most negative channels.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many (0..4096).' }) },
      resolve: (e, { first }, ctx) => ranked(e.estimate, 'bottom', checkCount('first', first), channelLayer(ctx, e)),
    }),
    imagesDone: t.int({
      description: 'Images in the mean (1 for a job over one image, once done).',
      resolve: (e) => e.estimate.acrossImages?.imagesDone ?? (e.estimate.status === 'DONE' ? 1 : 0),
    }),
    spread: t.floatList({
      description:
        'Per channel, the standard error of the mean from the spread between images (0 with one image: unknown); empty for one image.',
      resolve: (e) => e.estimate.acrossImages?.spread ?? [],
    }),
    integration: t.floatList({
      description: "Per channel, sqrt(sum of the images' squared integration errors) / images; empty for one image.",
      resolve: (e) => e.estimate.acrossImages?.integration ?? [],
    }),
    topCount: t.intList({
      description: 'Per channel, in how many images it is in the top K (K = topK); empty for one image.',
      resolve: (e) => e.estimate.acrossImages?.topCount ?? [],
    }),
    bottomCount: t.intList({
      description: 'Per channel, in how many images it is in the bottom K; empty for one image.',
      resolve: (e) => e.estimate.acrossImages?.bottomCount ?? [],
    }),
    consistent: t.field({
      type: [ConsistencyRef],
      description:
        'The channels in the top (POSITIVE) or bottom (NEGATIVE) K of the most images, most images first (ties: by mean value); empty for one image.',
      args: {
        first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }),
        direction: t.arg({ type: ChannelDirectionRef, defaultValue: 'POSITIVE', description: 'Top or bottom counts.' }),
      },
      resolve: (e, { first, direction }) => {
        const a = e.estimate.acrossImages;
        if (!a) return [];
        const counts = direction === 'NEGATIVE' ? a.bottomCount : a.topCount;
        const sign = direction === 'NEGATIVE' ? -1 : 1;
        return counts
          .map((_c, channel) => ({
            channel,
            top: a.topCount[channel],
            bottom: a.bottomCount[channel],
            images: a.imagesDone,
            value: e.estimate.values[channel],
          }))
          .filter((c) => counts[c.channel] > 0)
          .sort((x, y) => counts[y.channel] - counts[x.channel] || sign * (y.value - x.value))
          .slice(0, checkCount('first', first));
      },
    }),
    channelImages: t.field({
      type: [ChannelImageRef],
      description:
        "The images where a channel matters most: its largest (POSITIVE) or most negative (NEGATIVE) values among the job's finished images, a small gallery per channel.",
      args: {
        channel: t.arg.int({ required: true, description: 'Channel index.' }),
        first: t.arg.int({ defaultValue: 6, description: 'How many images (0..256).' }),
        direction: t.arg({ type: ChannelDirectionRef, defaultValue: 'POSITIVE', description: 'Which end.' }),
      },
      resolve: async (e, { channel, first, direction }, ctx) => {
        if (!Number.isInteger(channel) || channel < 0 || channel >= e.estimate.values.length)
          throw new EngineError('BAD_ARGUMENT', `channel must be 0..${e.estimate.values.length - 1}, got ${channel}.`);
        const done = await imageEstimates(ctx, e.jobId, e.estimate.layer);
        const best = imagesWhereChannelMatters(
          done.map((d) => d.snapshot),
          channel,
          checkCount('first', first, 256, 6),
          direction ?? 'POSITIVE',
        );
        return best.map((b, i) => {
          const entry = {
            index: done[b.index].index,
            imageId: done[b.index].imageId,
            value: b.value,
            error: b.error,
            rank: i + 1,
            jobId: e.jobId,
            layer: e.estimate.layer,
          };
          imageChannel.set(entry, channel);
          return entry;
        });
      },
    }),
    perImage: t.field({
      type: [ImageLayerResultRef],
      description: "Each finished image's own estimate at this layer (what a single job of it gives), in image order.",
      resolve: async (e, _a, ctx) =>
        (await imageEstimates(ctx, e.jobId, e.estimate.layer)).map((d) => ({ ...d, jobId: e.jobId, layer: e.estimate.layer })),
    }),
    channelMaps: t.field({
      type: ChannelMapsRef,
      nullable: true,
      description:
        "Compact spatial maps of this layer's top `top`, bottom `bottom` and listed channels, for heatmaps over the image (one image: " +
        'the running map while the layer integrates here, then the stored one; several images: null, see `perImage` and `channelImages`).',
      args: {
        top: t.arg.int({ defaultValue: 0, description: 'How many of the most positive channels (0..64).' }),
        bottom: t.arg.int({ defaultValue: 0, description: 'How many of the most negative channels (0..64).' }),
        channels: t.arg.intList({ required: false, description: 'More channels, by index (at most 64).' }),
      },
      resolve: async (e, { top, bottom, channels }, ctx) => {
        const counts = [
          checkCount('top', top, MAX_MAPS, 0),
          checkCount('bottom', bottom, MAX_MAPS, 0),
          checkCount('channels', channels?.length, MAX_MAPS, 0),
        ];
        if (e.estimate.acrossImages || e.estimate.status === 'QUEUED') return null;
        const map = await ctx.jobs.unitSpatial(e.jobId, 0, e.estimate.layer);
        if (!map) return null;
        const wanted = [...ranked(e.estimate, 'top', counts[0]), ...ranked(e.estimate, 'bottom', counts[1])]
          .map((c) => c.channel)
          .concat(channels ?? []);
        return { height: map.height, width: map.width, maps: channelMaps(map, wanted) };
      },
    }),
  }),
});

export const ImageLayerResultRef = builder
  .objectRef<{ index: number; imageId: string; snapshot: Snapshot; jobId: string; layer: string }>('ImageLayerResult')
  .implement({
    description: "One image's own estimate at one layer of a multi-image job.",
    fields: (t) => ({
      imageIndex: t.int({ description: "The image's position in the job's `images`.", resolve: (r) => r.index }),
      image: t.field({ type: ImageRef, description: 'The image.', resolve: (r, _a, ctx) => requireImage(ctx.images, r.imageId) }),
      values: t.floatList({ description: 'Every channel, in channel order.', resolve: (r) => r.snapshot.values }),
      errors: t.floatList({ description: 'Their standard errors.', resolve: (r) => r.snapshot.errors }),
      stepsDone: t.int({ description: 'Steps integrated.', resolve: (r) => r.snapshot.stepsDone }),
      settled: t.boolean({ description: 'Settled top/bottom lists.', resolve: (r) => r.snapshot.settled }),
      score: t.float({ description: 'score(A) for this image.', resolve: (r) => r.snapshot.score }),
      baselineScore: t.float({ description: 'score(0) for this image.', resolve: (r) => r.snapshot.baselineScore }),
    }),
  });

export const ImagesProgressRef = builder.objectRef<ImagesProgress>('ImagesProgress').implement({
  description: 'How far the images of a multi-image job are.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Images in the job.' }),
    done: t.exposeInt('done', { description: 'Images done at every layer.' }),
    doneIndexes: t.intList({ description: "Their positions in the job's `images`, ascending.", resolve: (p) => p.doneIndexes }),
  }),
});
