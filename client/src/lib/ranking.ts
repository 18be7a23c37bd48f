/** Ranks over per-channel attribution values, as the notebook's argsort calls compute them. */

export interface RankedChannel {
  channel: number;
  value: number;
}

/** Every channel, largest value first (`np.sort(channel_attr)[::-1]`, keeping the index). */
export function sortDescending(values: readonly number[]): RankedChannel[] {
  return values.map((value, channel) => ({ channel, value })).sort((a, b) => b.value - a.value || a.channel - b.channel);
}

/** 1-based rank of `channel` from the top (1 = most positive). */
export function rankFromTop(values: readonly number[], channel: number): number {
  const v = values[channel];
  let rank = 1;
  for (let c = 0; c < values.length; c++) {
    if (values[c] > v || (values[c] === v && c < channel)) rank++;
  }
  return rank;
}

/** Channels present in every list: the ones all methods agree on. */
export function agreedChannels(lists: readonly (readonly number[])[]): Set<number> {
  if (lists.length === 0) return new Set();
  const [first, ...rest] = lists;
  return new Set(first.filter((c) => rest.every((l) => l.includes(c))));
}
