import { For, Show } from 'solid-js';
import { followLink } from '../lib/follow-link';
import type { ChannelPictures } from './channel-pictures';
import type { ChannelSelection } from './channel-selection';
import type { ConvergencePoint } from './ConvergenceChart';
import { type LiveSnapshot, LivePanel } from './LivePanel';
import { StatusBadge } from './StatusBadge';

export interface CompareColumn {
  jobId: string;
  method: string;
  /** The linear method's column: exact values, no error bars. */
  exact?: boolean;
  status?: string;
  snapshot?: LiveSnapshot;
  history: readonly ConvergencePoint[];
  /** The column's heatmaps (of its own estimate) and the channels' feature visualizations. */
  pictures?: ChannelPictures;
}

/**
 * The notebook's compare_attr_methods, live: linear, path and stochastic path on one input,
 * side by side, all streaming. Channels in every method's top list are starred.
 */
export function CompareView(props: {
  columns: readonly CompareColumn[];
  agreed: ReadonlySet<number>;
  selection: ChannelSelection;
  onOpenJob: (jobId: string) => void;
}) {
  return (
    <div class="compare" data-testid="compare">
      <p class="note">
        <span class="agreed-mark">★</span> ranked in the top list by all three methods
        <Show when={props.agreed.size > 0}>{`: channels ${[...props.agreed].join(', ')}`}</Show>
      </p>
      <div class="compare-columns">
        <For each={props.columns}>
          {(col) => (
            <section class="compare-column" aria-label={`${col.method} attribution`} data-method={col.method}>
              <header class="section-head">
                <h2>
                  <a href={`/jobs/${encodeURIComponent(col.jobId)}`} onClick={(e) => followLink(e, () => props.onOpenJob(col.jobId))}>
                    {col.method}
                  </a>
                </h2>
                <StatusBadge status={col.status} />
              </header>
              <LivePanel
                compact
                exact={col.exact}
                status={col.status}
                snapshot={col.snapshot}
                history={col.history}
                pictures={col.pictures}
                selection={props.selection}
                agreed={props.agreed}
              />
            </section>
          )}
        </For>
      </div>
    </div>
  );
}
