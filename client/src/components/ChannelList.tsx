import { createMemo, For, Show } from 'solid-js';
import { valueCellColour } from '../lib/attribution-colour';
import { createFlip } from '../lib/flip';
import { formatValue } from '../lib/format';
import { ChannelHeatmap } from './ChannelHeatmap';
import { ChannelPicture, hasSprite, spriteStatusText } from './ChannelSprite';
import type { ChannelPictures } from './channel-pictures';

export interface ChannelScore {
  channel: number;
  value: number;
  rank: number;
  /** Standard error; the row shows value ± 2 errors. */
  error?: number | null;
}

export interface ChannelListProps {
  title: string;
  direction: 'top' | 'bottom';
  scores: readonly ChannelScore[];
  /** Largest |v| over all channels, so value colours match the distribution. */
  scale: number;
  /** The snapshot these scores come from; tests and readers see which one is drawn. */
  stepsDone: number;
  /** The heatmaps and feature visualizations of the rows. */
  pictures?: ChannelPictures;
  selected?: number;
  /** Channels ranked high by every method (compare view). */
  agreed?: ReadonlySet<number>;
  onSelect?: (channel: number) => void;
  thumbSize?: number;
}

/**
 * The notebook's ChannelAttrWidget, live: the top (or bottom) N channels with a heatmap
 * thumbnail, the sprite where one exists (or where its render is), the channel index and its value. Rows are keyed by
 * channel and slide to their new rank (FLIP) as snapshots refine the estimate.
 */
export function ChannelList(props: ChannelListProps) {
  const byChannel = createMemo(() => new Map(props.scores.map((s) => [s.channel, s])));
  // Keyed by channel index (a primitive), so <For> moves a channel's row instead of rewriting it.
  const order = createMemo(() => props.scores.map((s) => s.channel));
  const flip = createFlip(order);
  const size = () => props.thumbSize ?? 56;

  return (
    <section class="channel-list" aria-label={props.title}>
      <h3>{props.title}</h3>
      <ol data-testid={`channels-${props.direction}`} data-steps-done={props.stepsDone}>
        <For each={order()}>
          {(channel) => {
            const score = () => byChannel().get(channel);
            const picture = () => props.pictures?.pictureOf?.(channel);
            // The row's label is what a screen reader says: it names a picture still on its way.
            const pictureText = () => {
              const r = picture()?.render;
              return r && !picture()?.sprite && !hasSprite(props.pictures?.spritemap, channel) ? `, picture ${spriteStatusText(r)}` : '';
            };
            return (
              <li
                ref={flip.track(channel)}
                data-channel={channel}
                classList={{ selected: props.selected === channel, agreed: props.agreed?.has(channel) ?? false }}
              >
                <button
                  type="button"
                  class="channel-row"
                  aria-pressed={props.selected === channel}
                  aria-label={`Channel ${channel}, rank ${score()?.rank}, value ${formatValue(score()?.value ?? 0)}${score()?.error != null ? ` ± ${formatValue(2 * score()!.error!)}` : ''}${props.agreed?.has(channel) ? ', ranked high by every method' : ''}${pictureText()}`}
                  onClick={() => props.onSelect?.(channel)}
                >
                  <span class="rank">{score()?.rank}</span>
                  <ChannelHeatmap
                    imageUrl={props.pictures?.imageUrl}
                    heatmapUrl={props.pictures?.heatmapOf?.(channel)}
                    size={size()}
                    label={`Spatial attribution of channel ${channel}`}
                  />
                  <ChannelPicture channel={channel} size={size()} spritemap={props.pictures?.spritemap} picture={picture()} />
                  <span class="channel-index">
                    <span class="label">ch</span> {channel}
                    <Show when={props.agreed?.has(channel)}>
                      <span class="agreed-mark" title="In the top list of every method">
                        ★
                      </span>
                    </Show>
                  </span>
                  <span class="value" style={{ 'background-color': valueCellColour(score()?.value ?? 0, props.scale) }}>
                    {formatValue(score()?.value ?? 0)}
                  </span>
                  <Show when={score()?.error != null}>
                    <span
                      class="error-bar"
                      data-testid="error-bar"
                      title="2-sigma error bar: the estimate's error is within it for about 95 % of channels"
                    >
                      <span
                        class="whisker"
                        style={{ width: `${Math.min(100, (200 * 2 * score()!.error!) / Math.max(props.scale, 1e-12))}%` }}
                      />
                      ± {formatValue(2 * score()!.error!)}
                    </span>
                  </Show>
                </button>
              </li>
            );
          }}
        </For>
      </ol>
    </section>
  );
}
