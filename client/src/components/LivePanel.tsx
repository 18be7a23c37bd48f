import { createMemo, createUniqueId, Show } from 'solid-js';
import { maxAbs } from '../lib/attribution-colour';
import { isTerminal } from '../lib/job-status';
import { ChannelList } from './ChannelList';
import type { ChannelPictures } from './channel-pictures';
import type { ChannelSelection } from './channel-selection';
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
  /** The last snapshot of the run. */
  done?: boolean;
  /** Per layer; over several images the first (the one listed) says in how many each channel ranks. */
  layers?: readonly { topCount: readonly number[]; bottomCount: readonly number[]; imagesDone: number }[];
}

export interface LivePanelProps {
  status?: string;
  snapshot?: LiveSnapshot;
  history: readonly ConvergencePoint[];
  /** The linear method: one exact gradient, so its values carry no error bars (said once, not "± 0" per row). */
  exact?: boolean;
  /** The stochastic path: the chart plots relative error, not the completeness gap. */
  stochastic?: boolean;
  settledAt?: { stepsDone: number; elapsedMs: number };
  pictures?: ChannelPictures;
  /** The channel open in the detail panel; picking one here opens its panel here. */
  selection: ChannelSelection;
  /** Compact columns for the compare view. */
  compact?: boolean;
  agreed?: ReadonlySet<number>;
}

/** Everything one job shows as it refines: progress, distribution, top/bottom channels, convergence. */
export function LivePanel(props: LivePanelProps) {
  const scale = createMemo(() => maxAbs(props.snapshot?.values ?? []));
  // The rows are the first layer's: over several images they also say in how many each ranks.
  const consistency = (direction: 'top' | 'bottom') => {
    const l = props.snapshot?.layers?.[0];
    const counts = direction === 'top' ? l?.topCount : l?.bottomCount;
    return l && counts?.length ? { counts, images: l.imagesDone } : undefined;
  };
  // Where in this panel a channel was picked: its detail opens there.
  const id = createUniqueId();
  const place = { distribution: `${id}-distribution`, top: `${id}-top`, bottom: `${id}-bottom` };
  const detailIn = (where: string) => (props.selection.from === where ? props.selection.detail : undefined);
  const finished = () => !!props.snapshot?.done || isTerminal(props.status);
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
            <DistributionBars
              values={snap().values}
              errors={props.exact ? undefined : snap().errors}
              selected={props.selection.channel}
              onSelect={(channel) => props.selection.select(channel, place.distribution)}
            />
            <Show when={detailIn(place.distribution)}>{(detail) => detail()()}</Show>
          </section>
          <div class="lists">
            <ChannelList
              title={`Top ${snap().top.length}`}
              direction="top"
              scores={snap().top}
              scale={scale()}
              stepsDone={snap().stepsDone}
              pictures={props.pictures}
              selected={props.selection.channel}
              agreed={props.agreed}
              onSelect={(channel) => props.selection.select(channel, place.top)}
              detail={detailIn(place.top)}
              exact={props.exact}
              sayExact
              thumbSize={props.compact ? 36 : 48}
              consistency={consistency('top')}
            />
            <ChannelList
              title={`Bottom ${snap().bottom.length}`}
              direction="bottom"
              scores={snap().bottom}
              scale={scale()}
              stepsDone={snap().stepsDone}
              pictures={props.pictures}
              selected={props.selection.channel}
              onSelect={(channel) => props.selection.select(channel, place.bottom)}
              exact={props.exact}
              detail={detailIn(place.bottom)}
              thumbSize={props.compact ? 36 : 48}
              consistency={consistency('bottom')}
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
                  finished={finished()}
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
