import { createMemo, For, Show } from 'solid-js';
import { formatPercent } from '../lib/format';

export interface ConvergencePoint {
  stepsDone: number;
  /** NaN where it does not apply (the stochastic path). */
  completenessGap: number;
  rankStability: number;
  /** Estimated relative L2 error of the channel vector; null in jobs stored before it existed. */
  relativeError?: number | null;
}

const W = 560;
const H = 180;
// The top margin holds the settled marker's label, clear of the stability line at 100 %.
const M = { top: 24, right: 44, bottom: 28, left: 48 };
/** The gap is drawn on a log axis down to this floor: it shrinks by decades as steps add up. */
const GAP_FLOOR = 1e-4;

/**
 * Completeness gap (|Σ attr − (score(A) − score(0))| / |score(A) − score(0)|) and the estimated
 * relative error (both left, log scale), and rank stability (right, 0..1) against steps done;
 * a marker where the top/bottom lists settled. The stochastic path does not satisfy completeness,
 * so there the chart plots only its relative error, which falls roughly as 1/sqrt(n).
 */
export function ConvergenceChart(props: {
  points: readonly ConvergencePoint[];
  stepsTotal: number;
  /** The run is over: the x axis ends at its last step, and says so where that is short of the maximum (a run that settled early). */
  finished?: boolean;
  stochastic?: boolean;
  settledAt?: { stepsDone: number; elapsedMs: number };
}) {
  const showGap = () => !props.stochastic;
  const errorPoints = () => props.points.filter((p) => p.relativeError != null && Number.isFinite(p.relativeError));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const decades = createMemo(() => {
    const gaps = [
      ...(showGap() ? props.points.map((p) => p.completenessGap).filter(Number.isFinite) : []),
      ...errorPoints().map((p) => p.relativeError!),
    ].map((g) => Math.max(GAP_FLOOR, g));
    const hi = Math.ceil(Math.log10(Math.max(1, ...gaps)));
    const lo = Math.floor(Math.log10(Math.min(1e-2, ...gaps)));
    return { lo, hi: hi > lo ? hi : lo + 1 };
  });
  const lastStep = () => props.points[props.points.length - 1]?.stepsDone ?? 0;
  // A finished run's axis ends at what ran; a running one's at the maximum it may take.
  const stoppedEarly = () => props.finished && lastStep() > 0 && lastStep() < props.stepsTotal;
  const xEnd = () => (stoppedEarly() ? lastStep() : props.stepsTotal);
  const x = (steps: number) => M.left + (iw * steps) / Math.max(1, xEnd());
  const yGap = (g: number) => {
    const { lo, hi } = decades();
    return M.top + ih * (1 - (Math.log10(Math.max(GAP_FLOOR, g)) - lo) / (hi - lo));
  };
  const yStab = (s: number) => M.top + ih * (1 - s);
  const line = (pick: (p: ConvergencePoint) => number, points: readonly ConvergencePoint[] = props.points) =>
    points.map((p, i) => `${i ? 'L' : 'M'}${x(p.stepsDone).toFixed(1)},${pick(p).toFixed(1)}`).join('');
  const gapTicks = () => Array.from({ length: decades().hi - decades().lo + 1 }, (_, i) => decades().lo + i);
  const stepTicks = () => [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * xEnd())))];
  const last = () => props.points[props.points.length - 1];

  return (
    <figure class="convergence" data-testid="convergence">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`${showGap() ? 'Completeness gap, ' : ''}estimated relative error and rank stability against steps done${props.settledAt ? `; settled at step ${props.settledAt.stepsDone}` : ''}`}
      >
        <g class="grid">
          <For each={gapTicks()}>
            {(d) => (
              <>
                <line x1={M.left} x2={W - M.right} y1={yGap(10 ** d)} y2={yGap(10 ** d)} />
                <text class="tick gap-tick" x={M.left - 6} y={yGap(10 ** d) + 3} text-anchor="end">
                  {formatPercent(10 ** d, d < -2 ? -d - 2 : 0)}
                </text>
              </>
            )}
          </For>
          <For each={[0, 0.5, 1]}>
            {(s) => (
              <text class="tick stab-tick" x={W - M.right + 6} y={yStab(s) + 3}>
                {formatPercent(s, 0)}
              </text>
            )}
          </For>
          <For each={stepTicks()}>
            {(s) => (
              <text class="tick" x={x(s)} y={H - M.bottom + 16} text-anchor="middle">
                {s}
              </text>
            )}
          </For>
          <text class="axis-label" x={M.left + iw / 2} y={H - 2} text-anchor="middle">
            {stoppedEarly() ? `steps done (the run stopped at ${lastStep()} of at most ${props.stepsTotal})` : 'steps done'}
          </text>
        </g>
        <Show when={props.settledAt}>
          {(s) => (
            <g class="settled-marker" data-testid="settled-marker">
              <line x1={x(s().stepsDone)} x2={x(s().stepsDone)} y1={M.top - 4} y2={H - M.bottom} />
              {/* Above the plot, so no series runs through it; right-aligned near the end of the axis. */}
              <text
                x={x(s().stepsDone) + (x(s().stepsDone) > M.left + iw * 0.6 ? -4 : 4)}
                y={M.top - 8}
                text-anchor={x(s().stepsDone) > M.left + iw * 0.6 ? 'end' : 'start'}
              >{`settled at step ${s().stepsDone} (${(s().elapsedMs / 1000).toFixed(1)} s)`}</text>
            </g>
          )}
        </Show>
        <Show when={showGap()}>
          <path
            class="series gap"
            d={line(
              (p) => yGap(p.completenessGap),
              props.points.filter((p) => Number.isFinite(p.completenessGap)),
            )}
          />
        </Show>
        <path class="series relerr" data-testid="relative-error-series" d={line((p) => yGap(p.relativeError!), errorPoints())} />
        <path class="series stability" d={line((p) => yStab(p.rankStability))} />
        <For each={props.points}>
          {(p) => (
            <>
              <Show when={showGap() && Number.isFinite(p.completenessGap)}>
                <circle class="dot gap" cx={x(p.stepsDone)} cy={yGap(p.completenessGap)} r="2.5">
                  <title>{`${p.stepsDone} steps: gap ${formatPercent(p.completenessGap, 2)}`}</title>
                </circle>
              </Show>
              <Show when={p.relativeError != null && Number.isFinite(p.relativeError)}>
                <circle class="dot relerr" cx={x(p.stepsDone)} cy={yGap(p.relativeError!)} r="2.5">
                  <title>{`${p.stepsDone} steps: estimated relative error ${formatPercent(p.relativeError!, 2)}`}</title>
                </circle>
              </Show>
              <circle class="dot stability" cx={x(p.stepsDone)} cy={yStab(p.rankStability)} r="2.5">
                <title>{`${p.stepsDone} steps: rank stability ${formatPercent(p.rankStability, 0)}`}</title>
              </circle>
            </>
          )}
        </For>
      </svg>
      <figcaption>
        <Show when={showGap()}>
          <span class="legend gap">completeness gap (log)</span>
        </Show>
        <span class="legend relerr">estimated relative error (log)</span>
        <span class="legend stability">rank stability</span>
        <Show when={last()}>
          {(p) => (
            <span>
              now: {showGap() ? `gap ${formatPercent(p().completenessGap, 2)}, ` : ''}
              {p().relativeError != null ? `error ${formatPercent(p().relativeError!, 2)}, ` : ''}stability{' '}
              {formatPercent(p().rankStability, 0)}
            </span>
          )}
        </Show>
      </figcaption>
      <Show when={props.stochastic}>
        <p class="note" data-testid="stochastic-note">
          The stochastic path scales each channel at random, so its attributions do not add up to score(A) − score(0): completeness does not
          apply. Its relative error (the standard error over seeds) falls roughly as 1/√n instead.
        </p>
      </Show>
    </figure>
  );
}
