import type { Snapshot } from '../server/engine/attribution/types.js';
import { heatmapPng, pngDataUrl } from '../server/images/heatmap-png.js';
import { builder } from './builder.js';
import { AttributionEstimateRef, type EstimateShape } from './attribution-estimate.js';

export interface ResultShape extends EstimateShape {
  snapshot: Snapshot;
  /** True when the job finished all its steps: the final spatial map is stored. */
  final: boolean;
}

export const HeatmapScaleRef = builder.enumType('HeatmapScale', {
  description: "How a heatmap's opacity is normalised.",
  values: {
    CHANNEL: { description: "By this channel's largest magnitude: shows where the channel acts." },
    LAYER: { description: 'By the largest magnitude over all channels: heatmaps of different channels compare.' },
  } as const,
});

export const AttributionResultRef = builder.objectRef<ResultShape>('AttributionResult').implement({
  description: "A job's attribution: the latest snapshot while it runs, the final one after.",
  interfaces: [AttributionEstimateRef],
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'final' in v,
  fields: (t) => ({
    score: t.float({
      description: 'score(A) = score(class1) - score(class2) on the logits, at the real activations A.',
      resolve: (r) => r.snapshot.score,
    }),
    baselineScore: t.float({
      description: "score(0): the same score with the layer's activations set to zero.",
      resolve: (r) => r.snapshot.baselineScore,
    }),
    scoreDifference: t.float({
      description: 'score - baselineScore: what the channel values add up to when the estimate is complete.',
      resolve: (r) => r.snapshot.score - r.snapshot.baselineScore,
    }),
    done: t.boolean({ description: 'True when every step has been integrated.', resolve: (r) => r.snapshot.done }),
    heatmap: t.string({
      nullable: true,
      description:
        "The channel's spatial attribution map (one pixel per position of the layer's grid, e.g. 14x14 at " +
        "mixed4d; its pixels add up to the channel's value) as a `data:image/png` URL: blue for positive, red for negative, opacity for " +
        'magnitude. Lay it over the input image (centre-cropped square) and let it scale. While the job runs it ' +
        'follows the running estimate (null where the job runs on another machine); null for a job that stopped early.',
      args: {
        channel: t.arg.int({ required: true, description: 'Channel index, 0-based.' }),
        scale: t.arg({ type: HeatmapScaleRef, defaultValue: 'CHANNEL', description: 'How opacity is normalised.' }),
      },
      complexity: 2,
      resolve: async (r, { channel, scale }, ctx) => {
        const map = r.final ? await ctx.jobs.spatial(r.jobId) : ctx.jobs.runningSpatial(r.jobId);
        return map ? pngDataUrl(heatmapPng(map, channel, scale ?? 'CHANNEL')) : null;
      },
    }),
  }),
});
