import { snapshotBottom, snapshotTop } from '../server/engine/attribution/channel-ranking.js';
import type { Snapshot } from '../server/engine/attribution/types.js';
import { EngineError } from '../server/errors/engine-error.js';
import { channelMaps } from '../server/images/channel-maps.js';
import { builder } from './builder.js';
import { ChannelMapsRef } from './channel-map.js';
import { ChannelScoreRef, jobLayer } from './channel-score.js';
import { ImagesProgressRef, LayerEstimateRef, layerEstimatesOf } from './layer-estimate.js';

/** Most maps one list argument of `channelMaps` may ask for. */
const MAX_MAPS = 64;

/** What both a job's result and a progress event are made from. */
export interface EstimateShape {
  jobId: string;
  stepsTotal: number;
  snapshot: Snapshot | null;
}

function checkFirst(first: number | null | undefined) {
  const n = first ?? 10;
  if (!Number.isInteger(n) || n < 0 || n > 4096) throw new EngineError('BAD_ARGUMENT', `first must be 0..4096, got ${n}.`);
  return n;
}

export const AttributionEstimateRef = builder.interfaceRef<EstimateShape>('AttributionEstimate').implement({
  description:
    'An estimate of per-channel attribution after some steps of the path integral, rescaled to the full path. ' +
    'Before the first snapshot, lists are empty, `completenessGap` is 1 and the other numbers are 0.',
  fields: (t) => ({
    stepsDone: t.int({ description: 'Path steps integrated so far.', resolve: (e) => e.snapshot?.stepsDone ?? 0 }),
    stepsTotal: t.int({ description: 'Path steps in the whole job (1 for SIMPLE).', resolve: (e) => e.stepsTotal }),
    values: t.floatList({
      description: "Attribution of every channel, in channel order (length = the layer's channels).",
      resolve: (e) => e.snapshot?.values ?? [],
    }),
    top: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most positive channels, most positive first.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 10, 4096)) }),
      resolve: (e, { first }, ctx) => {
        const n = checkFirst(first);
        const layer = jobLayer(ctx, e.jobId);
        return e.snapshot ? snapshotTop(e.snapshot, n).map((c) => ({ ...c, layer })) : [];
      },
    }),
    bottom: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most negative channels, most negative first.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 10, 4096)) }),
      resolve: (e, { first }, ctx) => {
        const n = checkFirst(first);
        const layer = jobLayer(ctx, e.jobId);
        return e.snapshot ? snapshotBottom(e.snapshot, n).map((c) => ({ ...c, layer })) : [];
      },
    }),
    errors: t.floatList({
      description:
        'Estimated standard error of every value, in channel order: the error of the running value against the converged ' +
        'integral (for STOCHASTIC_PATH, against its expectation over seeds). Bars are value ± 2 errors and cover the ' +
        'actual error for about 95 % of channels (docs/convergence.md). All 0 for SIMPLE, which is exact; empty before ' +
        'the first snapshot and in jobs stored before errors existed.',
      resolve: (e) => e.snapshot?.errors ?? [],
    }),
    relativeError: t.float({
      nullable: true,
      description:
        'Estimated relative L2 error of the whole channel vector, |errors| / |values|. Null before the first snapshot and in jobs stored before errors existed.',
      resolve: (e) => e.snapshot?.relativeError ?? null,
    }),
    settled: t.boolean({
      description:
        'True when, within the 2-sigma bars, each of the top-K and bottom-K lists can change by at most its boundary ' +
        'member (K = topK). A job with a tolerance stops at the first nested level that is settled and within it.',
      resolve: (e) => e.snapshot?.settled ?? false,
    }),
    completenessGap: t.float({
      description:
        '|sum(values) - (score - baselineScore)| / |score - baselineScore|: how far the estimate is from the ' +
        'completeness axiom (0 = complete). 1 before the first snapshot, when nothing is attributed yet.',
      resolve: (e) => e.snapshot?.completenessGap ?? 1,
    }),
    rankStability: t.float({
      description:
        "Share of the top-K and bottom-K channels (K = the job's topK) that were already there in the previous " +
        'snapshot: 1 = the ranking has settled. 0 for the first snapshot.',
      resolve: (e) => e.snapshot?.rankStability ?? 0,
    }),
    channelMaps: t.field({
      type: ChannelMapsRef,
      nullable: true,
      description:
        'Compact spatial maps (a few hundred bytes each) of the top `top`, the bottom `bottom` and the listed channels: ' +
        'what a dashboard draws heatmaps from, sent with every snapshot instead of one `heatmap` image per channel. ' +
        'While the job runs they follow the running estimate; null before the first snapshot, where the job runs on ' +
        'another machine, and for a job that stopped early.',
      args: {
        top: t.arg.int({ defaultValue: 0, description: 'How many of the most positive channels (0..64).' }),
        bottom: t.arg.int({ defaultValue: 0, description: 'How many of the most negative channels (0..64).' }),
        channels: t.arg.intList({ required: false, description: 'More channels, by index (at most 64).' }),
      },
      complexity: (args) => ({ field: 2, multiplier: Math.max(1, (args.top ?? 0) + (args.bottom ?? 0) + (args.channels?.length ?? 0)) }),
      resolve: async (e, { top, bottom, channels }, ctx) => {
        const counts = [top ?? 0, bottom ?? 0, channels?.length ?? 0];
        if (counts.some((n) => !Number.isInteger(n) || n < 0 || n > MAX_MAPS)) {
          throw new EngineError('BAD_ARGUMENT', `top, bottom and channels may ask for 0..${MAX_MAPS} maps each, got ${counts.join(', ')}.`);
        }
        const snapshot = e.snapshot;
        if (!snapshot) return null;
        // The running map while the job runs in this process, else the stored final one.
        const map = ctx.jobs.runningSpatial(e.jobId) ?? (await ctx.jobs.spatial(e.jobId));
        if (!map) return null;
        const wanted = [...snapshotTop(snapshot, counts[0]), ...snapshotBottom(snapshot, counts[1])]
          .map((c) => c.channel)
          .concat(channels ?? []);
        return { height: map.height, width: map.width, maps: channelMaps(map, wanted) };
      },
    }),
    layers: t.field({
      type: [LayerEstimateRef],
      description:
        'One estimate per layer, from input to output: a job over several layers (or images) has one per layer, with the same ' +
        "fields as this estimate's own (which are the first layer's); a single job has its one layer. Empty before the first snapshot.",
      args: {
        only: t.arg.stringList({
          required: false,
          description: 'Just these layers (by the names `layer` gives), e.g. to ask one layer for a channel index only it has.',
        }),
      },
      resolve: async (e, { only }, ctx) => {
        const job = await ctx.jobs.get(e.jobId);
        const all = job ? layerEstimatesOf(e.snapshot, job) : [];
        return all.filter((l) => !only || only.includes(l.layer)).map((estimate) => ({ jobId: e.jobId, estimate }));
      },
    }),
    images: t.field({
      type: ImagesProgressRef,
      nullable: true,
      description: 'How far the images of a job over several images are; null for one image.',
      resolve: (e) => e.snapshot?.images ?? null,
    }),
    elapsedMs: t.float({ description: 'Compute time so far, in milliseconds.', resolve: (e) => e.snapshot?.elapsedMs ?? 0 }),
    etaMs: t.float({
      description:
        'Estimated milliseconds until the last step, from the pace of the steps after the first chunk (which also pays for warm-up; the first snapshot has only its own pace); 0 when done.',
      resolve: (e) => e.snapshot?.etaMs ?? 0,
    }),
  }),
});
