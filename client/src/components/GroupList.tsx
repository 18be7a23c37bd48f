import { createMemo, For, Show } from 'solid-js';
import { barColour, maxAbs } from '../lib/attribution-colour';
import { errorColumnFormat, formatValue } from '../lib/format';
import { ChannelHeatmap } from './ChannelHeatmap';
import { ChannelPicture, hasPicture } from './ChannelSprite';
import type { ChannelPictures } from './channel-pictures';

export interface GroupRow {
  index: number;
  colour: string;
  attribution: number | null;
  /** One standard error of `attribution` while a job integrates; the row shows ± 2 errors. */
  attributionError?: number | null;
  /** The group's region over the image: a PNG in its colour. */
  heatmap: string;
  topChannels: readonly { channel: number; weight: number }[];
  /** The group's feature visualization, a PNG URL, once rendered. */
  icon?: string | null;
}

/**
 * Each neuron group: its colour, its icon where one is rendered, its attribution as a bar (blue
 * toward class 1, red toward class 2, scaled to the largest group) with its 2-sigma error bar
 * while the path integrates, and its heaviest channels with their sprites.
 */
export function GroupList(props: { groups: readonly GroupRow[]; pictures?: ChannelPictures; stepsDone: number }) {
  const scale = () => maxAbs(props.groups.map((g) => g.attribution ?? 0));
  // One number format for the column's error bars (2 errors each).
  const formatError = createMemo(() => errorColumnFormat(props.groups.map((g) => 2 * (g.attributionError ?? 0))));
  return (
    <ol class="group-list" data-testid="groups" data-steps-done={props.stepsDone}>
      <For each={props.groups}>
        {(g) => {
          const share = () => (scale() > 0 ? Math.abs(g.attribution ?? 0) / scale() : 0);
          const bar = () => (g.attributionError ? 2 * g.attributionError : null);
          return (
            <li
              data-group={g.index}
              aria-label={`Group ${g.index + 1}: attribution ${formatValue(g.attribution ?? 0)}${bar() != null ? ` ± ${formatError()(bar()!)}` : ''}; top channels ${g.topChannels.map((c) => c.channel).join(', ')}`}
            >
              <span class="group-swatch" style={{ 'background-color': g.colour }} aria-hidden="true" />
              <ChannelHeatmap
                imageUrl={props.pictures?.imageUrl}
                heatmapUrl={g.heatmap}
                size={40}
                label={`Region of group ${g.index + 1}`}
              />
              <Show when={g.icon}>
                {(icon) => (
                  <img class="group-icon" src={icon()} alt={`Feature visualization of group ${g.index + 1}`} width="48" height="48" />
                )}
              </Show>
              <span class="group-name">Group {g.index + 1}</span>
              <span class="group-bar" aria-hidden="true">
                <span
                  class="group-bar-fill"
                  classList={{ negative: (g.attribution ?? 0) < 0 }}
                  style={{ width: `${(share() * 100).toFixed(1)}%`, 'background-color': barColour(g.attribution ?? 0, scale()) }}
                />
              </span>
              <span class="group-value">
                {formatValue(g.attribution ?? 0)}
                <Show when={bar()}>
                  {(b) => (
                    <span
                      class="error-bar"
                      data-testid="group-error-bar"
                      title="2-sigma error bar, estimated from the per-step group values as the channels' bars are"
                    >
                      ± {formatError()(b())}
                    </span>
                  )}
                </Show>
              </span>
              <span class="group-channels">
                <For each={g.topChannels}>
                  {(c) => (
                    <span class="group-channel" title={`Channel ${c.channel}, weight ${c.weight.toFixed(2)}`}>
                      {/* The channel's picture wherever the page has one (the lists' sprites), else its number. */}
                      <Show
                        when={hasPicture(c.channel, props.pictures?.spritemap, props.pictures?.pictureOf?.(c.channel))}
                        fallback={<span class="channel-chip">{c.channel}</span>}
                      >
                        <ChannelPicture
                          channel={c.channel}
                          size={32}
                          spritemap={props.pictures?.spritemap}
                          picture={props.pictures?.pictureOf?.(c.channel)}
                        />
                      </Show>
                    </span>
                  )}
                </For>
              </span>
            </li>
          );
        }}
      </For>
    </ol>
  );
}
