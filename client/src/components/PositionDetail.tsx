import { For, Show } from 'solid-js';
import { formatValue } from '../lib/format';
import { ChannelPicture, hasPicture } from './ChannelSprite';
import type { ChannelPictures } from './channel-pictures';
import type { GridPosition } from './GroupsOverlay';

export interface PositionInfo {
  channels: readonly { channel: number; activation: number }[];
  /** The position's spatial attribution (summed over channels); null while unknown. */
  attribution: number | null;
}

/** What one position of the grid holds: its semantic dictionary (most active channels, with sprites) and its spatial attribution. */
export function PositionDetail(props: { position?: GridPosition; info?: PositionInfo | null; pictures?: ChannelPictures }) {
  return (
    <section class="position-detail" aria-label="Semantic dictionary at the chosen position" aria-live="polite">
      <Show
        when={props.position}
        fallback={<p class="note">Point at the image (or focus it and use the arrow keys) to see what the layer sees there.</p>}
      >
        {(p) => (
          <>
            <h4>
              Column {p().x}, row {p().y}
              <Show when={props.info?.attribution != null}>
                <span class="position-attribution">spatial attribution {formatValue(props.info!.attribution!)}</span>
              </Show>
            </h4>
            <Show when={props.info} fallback={<p class="note">Loading…</p>}>
              {(info) => (
                <ol class="dictionary" data-testid="dictionary">
                  <For each={info().channels}>
                    {(e) => (
                      <li data-channel={e.channel}>
                        <Show
                          when={hasPicture(e.channel, props.pictures?.spritemap, props.pictures?.pictureOf?.(e.channel))}
                          fallback={<span class="channel-chip">{e.channel}</span>}
                        >
                          <ChannelPicture
                            channel={e.channel}
                            size={40}
                            spritemap={props.pictures?.spritemap}
                            picture={props.pictures?.pictureOf?.(e.channel)}
                          />
                        </Show>
                        <span class="channel-index">
                          <span class="label">ch</span> {e.channel}
                        </span>
                        <span class="activation">{e.activation.toFixed(1)}</span>
                      </li>
                    )}
                  </For>
                </ol>
              )}
            </Show>
          </>
        )}
      </Show>
    </section>
  );
}
