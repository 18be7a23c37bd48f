import { createMemo, Show } from 'solid-js';
import { maxAbs } from '../lib/attribution-colour';
import { ChannelList } from './ChannelList';
import type { ChannelPictures } from './channel-pictures';
import { type ConvergencePoint, ConvergenceChart } from './ConvergenceChart';
import { DistributionBars } from './DistributionBars';
import { ProgressBar } from './ProgressBar';

export interface LiveSnapshot {
  stepsDone: number;
  stepsTotal: number;
  values: readonly number[];
  top: readonly { channel: number; value: number; rank: number; error?: number | null }[];
  bottom: readonly { channel: number; value: number; rank: number; error?: number | null }[];
  /** One standard error per channel; bars are ± 2 errors. */
  errors?: readonly number[];
  elapsedMs: number | null;
  etaMs: number | null;
}

export interface LivePanelProps {
  status?: string;
  snapshot?: LiveSnapshot;
  history: readonly ConvergencePoint[];
  /** The stochastic path: the chart plots relative error, not the completeness gap. */
  stochastic?: boolean;
  settledAt?: { stepsDone: number; elapsedMs: number };
  pictures?: ChannelPictures;
  selected?: number;
  onSelect: (channel: number) => void;
  /** Compact columns for the compare view. */
  compact?: boolean;
  agreed?: ReadonlySet<number>;
}

/** Everything one job shows as it refines: progress, distribution, top/bottom channels, convergence. */
export function LivePanel(props: LivePanelProps) {
  const scale = createMemo(() => maxAbs(props.snapshot?.values ?? []));
  return (
    <Show
      when={props.snapshot}
      fallback={
        <p class="note waiting">{props.status === 'QUEUED' ? 'Queued: waiting for a worker…' : 'Waiting for the first snapshot…'}</p>
      }
    >
      {(snap) => (
        <div class="live" classList={{ compact: props.compact }}>
          <ProgressBar
            stepsDone={snap().stepsDone}
            stepsTotal={snap().stepsTotal}
            elapsedMs={snap().elapsedMs}
            etaMs={snap().etaMs}
            status={props.status}
          />
          <section class="panel" aria-label="Distribution of attribution across channels">
            <h3>Distribution across channels</h3>
            <DistributionBars values={snap().values} errors={snap().errors} selected={props.selected} onSelect={props.onSelect} />
          </section>
          <div class="lists">
            <ChannelList
              title={`Top ${snap().top.length}`}
              direction="top"
              scores={snap().top}
              scale={scale()}
              stepsDone={snap().stepsDone}
              pictures={props.pictures}
              selected={props.selected}
              agreed={props.agreed}
              onSelect={props.onSelect}
              thumbSize={props.compact ? 36 : 48}
            />
            <ChannelList
              title={`Bottom ${snap().bottom.length}`}
              direction="bottom"
              scores={snap().bottom}
              scale={scale()}
              stepsDone={snap().stepsDone}
              pictures={props.pictures}
              selected={props.selected}
              onSelect={props.onSelect}
              thumbSize={props.compact ? 36 : 48}
            />
          </div>
          <Show when={!props.compact}>
            <section class="panel" aria-label="Convergence">
              <h3>Convergence</h3>
              <Show
                when={props.history.length > 0}
                fallback={<p class="note">Reopened after it finished: only the final snapshot is stored.</p>}
              >
                <ConvergenceChart
                  points={props.history}
                  stepsTotal={snap().stepsTotal}
                  stochastic={props.stochastic}
                  settledAt={props.settledAt}
                />
              </Show>
            </section>
          </Show>
        </div>
      )}
    </Show>
  );
}
