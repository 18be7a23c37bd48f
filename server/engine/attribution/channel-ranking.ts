import type { ChannelScore, Snapshot } from './types.js';

/** Channels by value, most positive first; ties in channel order. */
export function channelOrder(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
}

/**
 * The order of a published snapshot's values, computed once per array: a snapshot never changes
 * once sent, and a dashboard asks for its top and bottom (and maps) together.
 */
const snapshotOrders = new WeakMap<readonly number[], number[]>();
export function snapshotChannelOrder(values: readonly number[]): number[] {
  let order = snapshotOrders.get(values);
  if (!order) snapshotOrders.set(values, (order = channelOrder(values)));
  return order;
}

const scores = (channels: number[], values: ArrayLike<number>, errors?: ArrayLike<number>): ChannelScore[] =>
  channels.map((channel, i) =>
    errors ? { channel, value: values[channel], rank: i + 1, error: errors[channel] } : { channel, value: values[channel], rank: i + 1 },
  );

/** The `n` most positive channels, most positive first (with their errors when given). */
export function topChannels(
  values: ArrayLike<number>,
  n: number,
  order = channelOrder(values),
  errors?: ArrayLike<number>,
): ChannelScore[] {
  return scores(order.slice(0, n), values, errors);
}

/** The `n` most negative channels, most negative first (with their errors when given). */
export function bottomChannels(
  values: ArrayLike<number>,
  n: number,
  order = channelOrder(values),
  errors?: ArrayLike<number>,
): ChannelScore[] {
  return scores(order.slice(Math.max(0, order.length - n)).reverse(), values, errors);
}

/** A published snapshot's `n` most positive channels, with their errors. */
export const snapshotTop = (s: Pick<Snapshot, 'values' | 'errors'>, n: number) =>
  topChannels(s.values, n, snapshotChannelOrder(s.values), s.errors);
/** A published snapshot's `n` most negative channels, with their errors. */
export const snapshotBottom = (s: Pick<Snapshot, 'values' | 'errors'>, n: number) =>
  bottomChannels(s.values, n, snapshotChannelOrder(s.values), s.errors);

/** Top-K (most positive first) and bottom-K (most negative first) channels. */
export function rankChannels(values: ArrayLike<number>, k: number): { top: ChannelScore[]; bottom: ChannelScore[] } {
  const order = channelOrder(values);
  return { top: topChannels(values, k, order), bottom: bottomChannels(values, k, order) };
}

/** Share of the top and bottom channels that were already there in the previous snapshot. */
export function rankStability(
  prev: { top: ChannelScore[]; bottom: ChannelScore[] } | undefined,
  next: { top: ChannelScore[]; bottom: ChannelScore[] },
): number {
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
