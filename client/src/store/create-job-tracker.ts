import { createQuery } from '@urql/solid';
import { type Accessor, createEffect, createMemo, on } from 'solid-js';
import {
  type AttributionEstimateFieldsFragment,
  JobDocument,
  JobProgressDocument,
  type JobProgressSubscription,
  type JobStatus,
} from '../gql/graphql';
import { frameCoalesced } from '../lib/frame-coalesced';
import { createPlainSubscription } from './create-plain-subscription';

export type ProgressSnapshot = JobProgressSubscription['jobProgress'];

/** The share of the page's main thread a watched job's redraws may take (frameCoalesced). */
export const WATCHING_BUSY_SHARE = 0.1;

/** One point of the run's history: what the convergence chart and sparklines plot. */
export interface SnapshotPoint {
  stepsDone: number;
  elapsedMs: number;
  completenessGap: number;
  rankStability: number;
  /** Null in jobs stored before errors existed. */
  relativeError: number | null;
  settled: boolean;
  values: number[];
}

interface Progress {
  jobId: string;
  /** The newest event: its status always, its estimate once one exists. */
  latest: ProgressSnapshot;
  /** The newest event that carried an estimate. */
  estimate?: ProgressSnapshot;
  history: SnapshotPoint[];
}

/** The snapshot a view draws: live while streaming (`jobProgress`), the stored result otherwise (`job.result`). */
export type ShownSnapshot = AttributionEstimateFieldsFragment & Pick<ProgressSnapshot, 'done'>;

export type ChannelMaps = NonNullable<ProgressSnapshot['channelMaps']>;

/**
 * Adds an event to the run's history. Status-only events (queued -> running) carry no values
 * and only update the status. urql re-emits the last event when a subscription completes
 * (its documented behaviour on complete), and a reconnect resends the latest one: neither adds a point twice.
 */
export function addSnapshot(prev: Progress | undefined, snap: ProgressSnapshot): Progress {
  const same = prev !== undefined && prev.jobId === snap.job.id;
  const history = same ? prev.history : [];
  if (snap.values.length === 0) return { jobId: snap.job.id, latest: snap, estimate: same ? prev.estimate : undefined, history };
  const last = history[history.length - 1];
  if (same && last && last.stepsDone === snap.stepsDone && prev.latest.done === snap.done && prev.latest.status === snap.status)
    return prev;
  const point: SnapshotPoint = {
    stepsDone: snap.stepsDone,
    elapsedMs: snap.elapsedMs,
    completenessGap: snap.completenessGap,
    rankStability: snap.rankStability,
    relativeError: snap.relativeError ?? null,
    settled: snap.settled,
    values: snap.values,
  };
  return {
    jobId: snap.job.id,
    latest: snap,
    estimate: snap,
    history: last && last.stepsDone === snap.stepsDone ? [...history.slice(0, -1), point] : [...history, point],
  };
}

/**
 * Follows one job: its stored state (`job` query) and its live snapshots (`jobProgress`), with
 * the spatial maps of the top and bottom channels and of `mapChannels` in each.
 * A finished job's subscription yields the final snapshot and completes, so the same code
 * reopens old jobs and follows running ones.
 */
export function createJobTracker(
  jobId: Accessor<string | undefined>,
  topK: Accessor<number> = () => 10,
  mapChannels: Accessor<number[]> = () => [],
) {
  const [jobQuery, refetchJob] = createQuery({
    query: JobDocument,
    variables: () => ({ id: jobId() ?? '', topK: topK(), mapChannels: mapChannels() }),
    pause: () => !jobId(),
    requestPolicy: 'network-only',
  });
  const progress = createPlainSubscription(
    // Every snapshot brings the maps of the channels on screen (no heatmap request per channel).
    {
      query: JobProgressDocument,
      variables: () => ({ id: jobId() ?? '', topK: topK(), mapChannels: mapChannels() }),
      pause: () => !jobId(),
    },
    (prev: Progress | undefined, data: JobProgressSubscription) => addSnapshot(prev, data.jobProgress),
  );

  // Views redraw at most once per animation frame, with the newest snapshot (none in a hidden
  // tab), and take at most a tenth of the page's main thread: on a 2-core machine the page shares
  // the cores with the job it watches, and one redraw of the job page kept the main thread ~130 ms
  // while a 100-step job sent a snapshot every ~70 ms. Drawn at once whatever the spacing: a new
  // job, a new status, the last snapshot, and a third of the job's steps more than the one shown,
  // so that even a fast job is seen refining.
  const latest = frameCoalesced(progress.data, {
    maxBusyShare: WATCHING_BUSY_SHARE,
    urgent: (next, shown) =>
      !shown ||
      !next ||
      next.jobId !== shown.jobId ||
      next.latest.done ||
      next.latest.status !== shown.latest.status ||
      (next.latest.stepsDone - shown.latest.stepsDone) * 3 >= next.latest.stepsTotal,
  });
  const live = createMemo(() => (latest()?.jobId === jobId() ? latest() : undefined));
  const job = createMemo(() => (jobQuery.data?.job?.id === jobId() ? (jobQuery.data?.job ?? undefined) : undefined));

  // The last snapshot arrived: read the stored job again for its final status and timestamps.
  createEffect(
    on(
      () => live()?.latest.done,
      (done) => {
        if (done) refetchJob({ requestPolicy: 'network-only' });
      },
      { defer: true },
    ),
  );

  const snapshot = createMemo<ShownSnapshot | undefined>(() => {
    const l = live()?.estimate;
    if (l) return l;
    const j = job();
    return j?.result && j.result.values.length > 0 ? j.result : undefined;
  });

  // Each event carries the status at that moment, so the stream is at least as fresh as the job query.
  const status = createMemo<JobStatus | undefined>(() => live()?.latest.status ?? job()?.status);

  return {
    jobId,
    job,
    status,
    snapshot,
    // The stored history draws a reopened job's whole chart; while streaming, the live one is as long or longer.
    history: (): SnapshotPoint[] => {
      const liveHistory = live()?.history ?? [];
      const stored = job()?.history ?? [];
      return stored.length > liveHistory.length
        ? stored.map((p) => ({ ...p, completenessGap: p.completenessGap ?? Number.NaN }))
        : liveHistory;
    },
    /** The first point at which the lists had settled, from the stored job or the live history. */
    settledAt: (): { stepsDone: number; elapsedMs: number } | undefined => {
      const j = job();
      if (j?.settledAtStep != null && j.settledAtMs != null) return { stepsDone: j.settledAtStep, elapsedMs: j.settledAtMs };
      return live()?.history.find((p) => p.settled);
    },
    notFound: () => !jobQuery.fetching && jobQuery.data !== undefined && jobQuery.data.job === null,
    error: () => jobQuery.error ?? progress.error(),
    refetch: () => refetchJob({ requestPolicy: 'network-only' }),
  };
}
export type JobTracker = ReturnType<typeof createJobTracker>;
