import { createMemo, createSignal, Index, Show } from 'solid-js';
import { barColour, maxAbs } from '../lib/attribution-colour';
import { formatValue } from '../lib/format';
import { sortDescending } from '../lib/ranking';

const HEIGHT_PX = 96;

/**
 * The notebook's BarsWidget: every channel's attribution, sorted descending, one bar each,
 * height and colour intensity by magnitude, blue positive and red negative. SVG, so it scales to
 * the panel and each bar can say which channel it is (its title, filled in while the pointer is
 * on it). The error bars are one path: a redraw while a job runs sets one attribute for them,
 * where one line per channel cost 1,056 attribute writes and as many elements to paint.
 */
export function DistributionBars(props: {
  values: readonly number[];
  errors?: readonly number[];
  selected?: number;
  onSelect?: (channel: number) => void;
}) {
  const sorted = createMemo(() => sortDescending(props.values));
  const scale = createMemo(() => maxAbs(props.values));
  const sums = createMemo(() => {
    let pos = 0;
    let neg = 0;
    for (const v of props.values) v > 0 ? (pos += v) : (neg += v);
    return { pos, neg };
  });
  const barHeight = (v: number) => (scale() > 0 ? Math.max(0.5, (HEIGHT_PX * Math.abs(v)) / scale()) : 0.5);
  const [hovered, setHovered] = createSignal<number>();
  // 2-sigma error bars: where each bar's top could be, on the same scale; one segment per rank.
  const errorPath = createMemo(() => {
    const errors = props.errors;
    if (!errors || errors.length !== props.values.length) return undefined;
    const s = scale();
    const top = (v: number) => HEIGHT_PX - (s > 0 ? (HEIGHT_PX * Math.min(Math.abs(v), s)) / s : 0);
    let d = '';
    sorted().forEach((bar, i) => {
      const e = 2 * (errors[bar.channel] ?? 0);
      const v = Math.abs(bar.value);
      d += `M${i + 0.4} ${top(v + e).toFixed(2)}V${top(Math.max(0, v - e)).toFixed(2)}`;
    });
    return d;
  });

  return (
    <figure class="distribution" data-testid="distribution">
      <svg
        viewBox={`0 0 ${Math.max(1, sorted().length)} ${HEIGHT_PX}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Attribution of ${sorted().length} channels sorted descending; largest magnitude ${formatValue(scale())}`}
      >
        {/* Index keeps one <rect> per rank and updates it in place as snapshots arrive. */}
        <Index each={sorted()}>
          {(bar, i) => (
            <rect
              class="bar"
              classList={{ selected: bar().channel === props.selected }}
              data-channel={bar().channel}
              data-value={bar().value}
              x={i}
              y={HEIGHT_PX - barHeight(bar().value)}
              width="0.8"
              height={barHeight(bar().value)}
              fill={barColour(bar().value, scale())}
              onClick={() => props.onSelect?.(bar().channel)}
              onMouseEnter={() => setHovered(i)}
              onMouseLeave={() => setHovered(undefined)}
            >
              <title>
                {hovered() === i
                  ? `channel ${bar().channel}: ${formatValue(bar().value)}${props.errors?.length ? ` ± ${formatValue(2 * props.errors[bar().channel])}` : ''}`
                  : ''}
              </title>
            </rect>
          )}
        </Index>
        <Show when={errorPath()}>{(d) => <path class="error-bar" data-testid="distribution-errors" d={d()} />}</Show>
      </svg>
      <figcaption>
        <span>{sorted().length} channels, sorted</span>
        <span class="pos">Σ+ {formatValue(sums().pos)}</span>
        <span class="neg">Σ− {formatValue(sums().neg)}</span>
        <span>max |v| {formatValue(scale())}</span>
      </figcaption>
    </figure>
  );
}
