import type { ChannelScore, Snapshot } from '../server/engine/attribution/types.js';
import { EngineError } from '../server/errors/engine-error.js';
import { builder } from './builder.js';
import { ChannelScoreRef } from './channel-score.js';

/** What both a job's result and a progress event are made from. */
export interface EstimateShape {
  jobId: string;
  stepsTotal: number;
  snapshot: Snapshot | null;
}

/** Channel order by value, computed once per snapshot (a dashboard asks for top and bottom). */
const orderCache = new WeakMap<number[], number[]>();
function order(values: number[]): number[] {
  let o = orderCache.get(values);
  if (!o) {
    o = Array.from(values.keys()).sort((a, b) => values[b] - values[a] || a - b);
    orderCache.set(values, o);
  }
  return o;
}

export function topChannels(values: number[], first: number): ChannelScore[] {
  return order(values).slice(0, first).map((channel, i) => ({ channel, value: values[channel], rank: i + 1 }));
}

export function bottomChannels(values: number[], first: number): ChannelScore[] {
  const o = order(values);
  return o
    .slice(Math.max(0, o.length - first))
    .reverse()
    .map((channel, i) => ({ channel, value: values[channel], rank: i + 1 }));
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
      description: 'Attribution of every channel, in channel order (length = the layer\'s channels).',
      resolve: (e) => e.snapshot?.values ?? [],
    }),
    top: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most positive channels, most positive first.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 10, 4096)) }),
      resolve: (e, { first }) => topChannels(e.snapshot?.values ?? [], checkFirst(first)),
    }),
    bottom: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most negative channels, most negative first.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 10, 4096)) }),
      resolve: (e, { first }) => bottomChannels(e.snapshot?.values ?? [], checkFirst(first)),
    }),
    completenessGap: t.float({
      description:
        '|sum(values) - (score - baselineScore)| / |score - baselineScore|: how far the estimate is from the ' +
        'completeness axiom (0 = complete). 1 before the first snapshot, when nothing is attributed yet.',
      resolve: (e) => e.snapshot?.completenessGap ?? 1,
    }),
    rankStability: t.float({
      description:
        'Share of the top-K and bottom-K channels (K = the job\'s topK) that were already there in the previous ' +
        'snapshot: 1 = the ranking has settled. 0 for the first snapshot.',
      resolve: (e) => e.snapshot?.rankStability ?? 0,
    }),
    elapsedMs: t.float({ description: 'Compute time so far, in milliseconds.', resolve: (e) => e.snapshot?.elapsedMs ?? 0 }),
    etaMs: t.float({
      description: 'Estimated milliseconds until the last step, from the pace so far; 0 when done.',
      resolve: (e) => e.snapshot?.etaMs ?? 0,
    }),
  }),
});
