import { createMemo, For, type JSX, Show } from 'solid-js';
import { valueCellColour } from '../lib/attribution-colour';
import { createFlip } from '../lib/flip';
import { errorColumnFormat, formatValue } from '../lib/format';
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
  /** The selected channel's detail panel, drawn under its row (at the list's end once the channel has left the list). */
  detail?: () => JSX.Element;
  /** Exact values (the linear method): no "± 0" on every row. */
  exact?: boolean;
  /** Say so in the heading (once per panel, on its first list). */
  sayExact?: boolean;
  thumbSize?: number;
  /** Over several images: per channel, in how many of them it is in this list's K (the consistency count). */
  consistency?: { counts: readonly number[]; images: number };
}

/**
 * The notebook's ChannelAttrWidget, live: the top (or bottom) N channels with a heatmap
 * thumbnail, the sprite where one exists (or where its render is), the channel index and its value. Rows are keyed by
 * channel and slide to their new rank (FLIP) as snapshots refine the estimate.
 */
export function ChannelList(props: ChannelListProps) {
  const byChannel = createMemo(() => new Map(props.scores.map((s) => [s.channel, s])));
  // Keyed by channel index (a primitive), so <For> moves a channel's row instead of rewriting it;
  // a snapshot that keeps the order is no change (no row moves, no slide).
  const order = createMemo(() => props.scores.map((s) => s.channel), undefined, {
    equals: (a, b) => a.length === b.length && a.every((c, i) => c === b[i]),
  });
  const flip = createFlip(order);
  const size = () => props.thumbSize ?? 56;

  // One number format for the column's error bars (2 errors each).
  const formatError = createMemo(() => errorColumnFormat(props.scores.map((s) => 2 * (s.error ?? 0))));
  const errorOf = (s?: ChannelScore) => (!props.exact && s?.error != null ? formatError()(2 * s.error) : undefined);

  return (
    <section class="channel-list" aria-label={props.title}>
      <h3>
        {props.title}
        <Show when={props.exact && props.sayExact}>
          <span
            class="exact-note"
            data-testid="exact-note"
            title="The linear method takes one exact gradient: its values carry no error bar"
          >
            {' '}
            · exact
          </span>
        </Show>
      </h3>
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
            const countText = () =>
              props.consistency
                ? `, in the ${props.direction} of ${props.consistency.counts[channel] ?? 0} of ${props.consistency.images} images`
                : '';
            // The label holds the row's visible words in their order (channel, value, error), so a
            // speech user can say what they see; the rank, the pictures and the star are hidden
            // from it and said in words instead.
            const label = () =>
              `Rank ${score()?.rank}, ch ${channel}: ${formatValue(score()?.value ?? 0)}${errorOf(score()) ? ` ± ${errorOf(score())}` : ''}` +
              `${props.agreed?.has(channel) ? ', ranked high by every method' : ''}${countText()}${pictureText()}`;
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
                  aria-label={label()}
                  onClick={() => props.onSelect?.(channel)}
                >
                  <span class="rank" aria-hidden="true">
                    {score()?.rank}
                  </span>
                  <span class="row-pictures" aria-hidden="true">
                    <ChannelHeatmap
                      imageUrl={props.pictures?.imageUrl}
                      heatmapUrl={props.pictures?.heatmapOf?.(channel)}
                      size={size()}
                      label={`Spatial attribution of channel ${channel}`}
                    />
                    <span class="row-picture" style={{ width: `${size()}px`, height: `${size()}px` }}>
                      <ChannelPicture channel={channel} size={size()} spritemap={props.pictures?.spritemap} picture={picture()} />
                    </span>
                  </span>
                  <span class="channel-index">
                    <span class="label">ch</span> {channel}
                    <Show when={props.agreed?.has(channel)}>
                      <span class="agreed-mark" title="In the top list of every method" aria-hidden="true">
                        ★
                      </span>
                    </Show>
                  </span>{' '}
                  <span class="value" style={{ 'background-color': valueCellColour(score()?.value ?? 0, props.scale) }}>
                    {formatValue(score()?.value ?? 0)}
                  </span>{' '}
                  <span class="row-error">
                    <Show when={errorOf(score())}>
                      {(text) => (
                        <span
                          class="error-bar"
                          data-testid="error-bar"
                          title="2-sigma error bar: the estimate's error is within it for about 95 % of channels"
                        >
                          <span
                            class="whisker"
                            style={{ width: `${Math.min(100, (200 * 2 * score()!.error!) / Math.max(props.scale, 1e-12))}%` }}
                          />
                          ± {text()}
                        </span>
                      )}
                    </Show>
                  </span>
                  <Show when={props.consistency}>
                    {(c) => (
                      <span
                        class="row-count"
                        data-testid="consistency-count"
                        title={`In the ${props.direction} K of ${c().counts[channel] ?? 0} of the ${c().images} images done`}
                      >
                        {c().counts[channel] ?? 0}/{c().images}
                      </span>
                    )}
                  </Show>
                </button>
                <Show when={props.detail && props.selected === channel}>{props.detail!()}</Show>
              </li>
            );
          }}
        </For>
      </ol>
      <Show when={props.detail && props.selected !== undefined && !byChannel().has(props.selected)}>{props.detail!()}</Show>
    </section>
  );
}
