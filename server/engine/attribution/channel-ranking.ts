import type { ChannelScore } from './types.js';

/** Top-K (most positive first) and bottom-K (most negative first) channels. */
export function rankChannels(values: ArrayLike<number>, k: number): { top: ChannelScore[]; bottom: ChannelScore[] } {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const n = Math.min(k, values.length);
  const top = order.slice(0, n).map((channel, i) => ({ channel, value: values[channel], rank: i + 1 }));
  const bottom = order.slice(-n).reverse().map((channel, i) => ({ channel, value: values[channel], rank: i + 1 }));
  return { top, bottom };
}

/** Share of the top and bottom channels that were already there in the previous snapshot. */
export function rankStability(prev: { top: ChannelScore[]; bottom: ChannelScore[] } | undefined, next: { top: ChannelScore[]; bottom: ChannelScore[] }): number {
  if (!prev) return 0;
  const overlap = (a: ChannelScore[], b: ChannelScore[]) => {
    const s = new Set(a.map((x) => x.channel));
    return b.filter((x) => s.has(x.channel)).length;
  };
  const total = next.top.length + next.bottom.length;
  return total === 0 ? 1 : (overlap(prev.top, next.top) + overlap(prev.bottom, next.bottom)) / total;
}

/** |sum(attr) - (score(A) - score(0))| relative to |score(A) - score(0)|: the completeness axiom's gap. */
export function completenessGap(values: ArrayLike<number>, score: number, baselineScore: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const delta = score - baselineScore;
  return Math.abs(sum - delta) / Math.max(Math.abs(delta), 1e-12);
}
