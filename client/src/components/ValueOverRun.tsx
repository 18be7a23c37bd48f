import { createMemo, For, Show } from 'solid-js';
import { formatValue } from '../lib/format';

const W = 320;
const H = 120;
const M = { top: 8, right: 10, bottom: 30, left: 52 };

/**
 * One channel's value at each snapshot of the run, with its axes: the value (left, with the zero
 * line where the sign could change) against steps done (bottom, to the last step that ran or the
 * run's maximum while it runs).
 */
export function ValueOverRun(props: { points: readonly { x: number; y: number }[]; xMax: number; label: string }) {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const range = createMemo(() => {
    const ys = props.points.map((p) => p.y);
    const lo = Math.min(0, ...ys);
    const hi = Math.max(0, ...ys);
    return { lo, hi: hi > lo ? hi : lo + 1 };
  });
  const sx = (x: number) => M.left + (iw * x) / Math.max(1, props.xMax);
  const sy = (y: number) => M.top + ih * (1 - (y - range().lo) / (range().hi - range().lo));
  const path = () => props.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
  // The extremes and zero: where the value went and which side of zero it stayed on.
  const yTicks = createMemo(() => [...new Set([range().lo, 0, range().hi])].filter((v) => v === 0 || props.points.some((p) => p.y === v)));
  const xTicks = () => [...new Set([0, Math.round(props.xMax / 2), props.xMax])];
  const last = () => props.points[props.points.length - 1];
  return (
    <svg class="value-over-run" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.label} data-testid="value-over-run">
      <g class="axes">
        <line x1={M.left} x2={M.left} y1={M.top} y2={M.top + ih} />
        <line x1={M.left} x2={M.left + iw} y1={M.top + ih} y2={M.top + ih} />
        <For each={yTicks()}>
          {(v) => (
            <text class="tick" x={M.left - 5} y={sy(v) + 3} text-anchor="end">
              {formatValue(v)}
            </text>
          )}
        </For>
        <For each={xTicks()}>
          {(s) => (
            <text class="tick" x={sx(s)} y={M.top + ih + 12} text-anchor="middle">
              {s}
            </text>
          )}
        </For>
        <text class="axis-label" x={M.left + iw / 2} y={H - 3} text-anchor="middle">
          steps done
        </text>
        <text class="axis-label" transform={`translate(11 ${M.top + ih / 2}) rotate(-90)`} text-anchor="middle">
          value
        </text>
      </g>
      <line class="zero" x1={M.left} x2={M.left + iw} y1={sy(0)} y2={sy(0)} />
      <path class="trace" d={path()} />
      <Show when={last()}>
        {(p) => (
          <circle cx={sx(p().x)} cy={sy(p().y)} r="2.5">
            <title>{`step ${p().x}: ${formatValue(p().y)}`}</title>
          </circle>
        )}
      </Show>
    </svg>
  );
}
