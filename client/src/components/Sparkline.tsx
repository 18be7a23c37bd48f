import { createMemo, Show } from 'solid-js';
import { formatValue } from '../lib/format';

/** A value over the run: a line through (steps done, value), with the zero line for sign changes. */
export function Sparkline(props: {
  points: readonly { x: number; y: number }[];
  xMax: number;
  width?: number;
  height?: number;
  label: string;
}) {
  const w = () => props.width ?? 240;
  const h = () => props.height ?? 48;
  const pad = 3;
  const range = createMemo(() => {
    const ys = props.points.map((p) => p.y);
    const lo = Math.min(0, ...ys);
    const hi = Math.max(0, ...ys);
    return { lo, hi: hi > lo ? hi : lo + 1 };
  });
  const sx = (x: number) => pad + ((w() - 2 * pad) * x) / Math.max(1, props.xMax);
  const sy = (y: number) => h() - pad - ((h() - 2 * pad) * (y - range().lo)) / (range().hi - range().lo);
  const path = () => props.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
  const last = () => props.points[props.points.length - 1];
  return (
    <svg class="sparkline" width={w()} height={h()} viewBox={`0 0 ${w()} ${h()}`} role="img" aria-label={props.label}>
      <line class="zero" x1={pad} x2={w() - pad} y1={sy(0)} y2={sy(0)} />
      <path d={path()} />
      <Show when={last()}>
        {(p) => (
          <circle cx={sx(p().x)} cy={sy(p().y)} r="2.5">
            <title>{formatValue(p().y)}</title>
          </circle>
        )}
      </Show>
    </svg>
  );
}
