/** Attribution values: 3 significant digits, as compact as the notebook's `str(v)[:5]` but not truncated. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2);
  return v.toPrecision(3);
}

/**
 * One format for a column of ± errors: fixed decimals, so the column lines up at the decimal
 * point and never mixes 0.00724 with 7.69e-4. Two significant digits for the largest, and one
 * more decimal where the smallest would otherwise round to 0; below that, "< 0.0001".
 */
export function errorColumnFormat(errors: readonly number[]): (e: number) => string {
  const positive = errors.filter((e) => Number.isFinite(e) && e > 0);
  const digitsFor = (e: number, significant: number) => Math.max(0, significant - 1 - Math.floor(Math.log10(e)));
  const forLargest = positive.length ? digitsFor(Math.max(...positive), 2) : 0;
  const forSmallest = positive.length ? digitsFor(Math.min(...positive), 1) : 0;
  const decimals = Math.min(12, Math.max(forLargest, Math.min(forSmallest, forLargest + 1)));
  const unit = 10 ** -decimals;
  return (e) => {
    if (!Number.isFinite(e)) return String(e);
    return e > 0 && e < unit / 2 ? `< ${unit.toFixed(decimals)}` : e.toFixed(decimals);
  };
}

export function formatPercent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** A duration as a person reads it: 850 ms, 12.3 s, 4 min 05 s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
}

export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** A rough wait, short enough for a 36 px tile: "40 s", "4 min" (rounded up). */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  return seconds < 60 ? `${Math.max(1, Math.ceil(seconds))} s` : `${Math.ceil(seconds / 60)} min`;
}
