import type { JSX } from 'solid-js';

/**
 * The channel open in the detail panel and where it was picked: the panel opens beside that row
 * (or under the distribution chart that was clicked), not at the bottom of the page.
 */
export interface ChannelSelection {
  channel?: number;
  /** The list or chart the channel was picked in, as named by the panel that drew it. */
  from?: string;
  select: (channel: number, from: string) => void;
  /** The open channel's panel; only the list or chart named by `from` draws it. */
  detail?: () => JSX.Element;
}
