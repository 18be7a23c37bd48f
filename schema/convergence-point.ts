import type { AttributionMethod, Snapshot } from '../server/engine/attribution/types.js';
import { builder } from './builder.js';
import { snapshotBottom, snapshotTop } from '../server/engine/attribution/channel-ranking.js';
import { ChannelScoreRef } from './channel-score.js';

export interface PointShape {
  snapshot: Snapshot;
  method: AttributionMethod;
}

const clampFirst = (first: number | null | undefined) => Math.max(0, Math.min(first ?? 10, 4096));

export const ConvergencePointRef = builder.objectRef<PointShape>('ConvergencePoint').implement({
  description: 'One stored snapshot of a job, as its convergence chart and sparklines draw it (AttributionJob.history).',
  fields: (t) => ({
    stepsDone: t.int({ description: 'Path steps integrated at this snapshot.', resolve: (p) => p.snapshot.stepsDone }),
    elapsedMs: t.float({ description: 'Compute time at this snapshot, in milliseconds.', resolve: (p) => p.snapshot.elapsedMs }),
    relativeError: t.float({
      nullable: true,
      description: 'Estimated relative L2 error of the channel vector (null in jobs stored before errors existed).',
      resolve: (p) => p.snapshot.relativeError ?? null,
    }),
    completenessGap: t.float({
      nullable: true,
      description:
        'The completeness gap, where completeness applies: null for STOCHASTIC_PATH, whose sum of attributions does not add up to score(A) - score(0).',
      resolve: (p) => (p.method === 'STOCHASTIC_PATH' ? null : p.snapshot.completenessGap),
    }),
    rankStability: t.float({
      description: 'Share of the top/bottom K already there in the snapshot before.',
      resolve: (p) => p.snapshot.rankStability,
    }),
    settled: t.boolean({
      description: 'Whether the top and bottom lists had settled within their 2-sigma bars.',
      resolve: (p) => p.snapshot.settled ?? false,
    }),
    values: t.floatList({ description: "Every channel's value, in channel order.", resolve: (p) => p.snapshot.values }),
    errors: t.floatList({
      description: "Every channel's standard error, in channel order (empty in jobs stored before errors existed).",
      resolve: (p) => p.snapshot.errors ?? [],
    }),
    top: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most positive channels at this snapshot.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      resolve: (p, { first }) => snapshotTop(p.snapshot, clampFirst(first)),
    }),
    bottom: t.field({
      type: [ChannelScoreRef],
      description: 'The `first` most negative channels at this snapshot.',
      args: { first: t.arg.int({ defaultValue: 10, description: 'How many channels (0..4096).' }) },
      resolve: (p, { first }) => snapshotBottom(p.snapshot, clampFirst(first)),
    }),
  }),
});
