/**
 * Colours of the notebook's widgets (seed/channel-attribution-notebook.txt): blue (hue 210) for
 * positive attribution, red (hue 0) for negative, stronger with magnitude. The notebook feeds
 * |v|/1.8 into its formulas, a scale fixed for its values, whose largest channels reach about
 * 1.5 on it. Here |v| is divided by the snapshot's largest |v| and mapped onto that same 0..1.5
 * range, so every layer and class pair uses the notebook's full range of colours.
 */

/** The notebook's |v|/1.8 for its strongest channels. */
const NOTEBOOK_RANGE = 1.5;

/** |value| relative to `scale`, clamped to 0..1. */
export function magnitude(value: number, scale: number): number {
  if (!(scale > 0) || !Number.isFinite(value)) return 0;
  return Math.min(1, Math.abs(value) / scale);
}

const hue = (value: number) => (value > 0 ? 210 : 0);
const pct = (x: number) => Math.round(Math.min(100, Math.max(0, x)) * 10) / 10;

/**
 * Lightest a value cell gets: the notebook's 100-30m reaches 55% at the strongest channel, where
 * dark text on full red falls under WCAG AA's 4.5:1 (axe, test/e2e); 60% keeps it at 4.6:1.
 */
const MIN_CELL_LIGHTNESS = 60;

/** ChannelAttrWidget's value cell: hsl(hue, 100m %, 100-30m %), no darker than MIN_CELL_LIGHTNESS. */
export function valueCellColour(value: number, scale: number): string {
  const m = NOTEBOOK_RANGE * magnitude(value, scale);
  return `hsl(${hue(value)}, ${pct(100 * m)}%, ${pct(Math.max(MIN_CELL_LIGHTNESS, 100 - 30 * m))}%)`;
}

/** BarsWidget's bar: hsl(hue, max(90, 110m) %, min(80, 100-40m) %). */
export function barColour(value: number, scale: number): string {
  const m = NOTEBOOK_RANGE * magnitude(value, scale);
  return `hsl(${hue(value)}, ${pct(Math.max(90, 110 * m))}%, ${pct(Math.min(80, 100 - 40 * m))}%)`;
}

/** Largest |v|, the scale that colours and bar heights are relative to. */
export function maxAbs(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}
