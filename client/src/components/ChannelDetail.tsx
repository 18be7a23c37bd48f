import { For, onCleanup, Show } from 'solid-js';
import { formatValue } from '../lib/format';
import type { ChannelImage } from '../store/create-channel-images-store';
import { ChannelHeatmap } from './ChannelHeatmap';
import { ChannelImages } from './ChannelImages';
import { ChannelPicture, type ChannelPictureState, type Spritemap } from './ChannelSprite';
import { type DatasetExampleCrop, DatasetExamples } from './DatasetExamples';
import { ValueOverRun } from './ValueOverRun';

export interface MethodRank {
  method: string;
  rank: number;
  of: number;
  value: number;
}

export interface ChannelDetailProps {
  channel: number;
  layer: string;
  imageUrl?: string;
  /** The engine's heatmap of the running or final estimate; absent until the first one arrives. */
  heatmapUrl?: string;
  spritemap?: Spritemap | null;
  /** The channel's own sprite, or its render on the way (asked for explicitly when the detail opens). */
  picture?: ChannelPictureState;
  /** The channel's value at each snapshot of the run. */
  trace: readonly { x: number; y: number }[];
  /** Where the run's step axis ends: its last step once over, its maximum while it runs. */
  stepsEnd: number;
  ranks: readonly MethodRank[];
  /** Example crops that excite the channel; undefined while they load. */
  examples?: readonly DatasetExampleCrop[];
  /** Over several images: the ones where the channel mattered most (undefined while loading). */
  gallery?: { images?: readonly ChannelImage[]; toward: 'class 1' | 'class 2'; imagesDone: number };
  onClose: () => void;
}

/** One channel up close: its heatmap large, its value over the run, and its rank under each method. */
export function ChannelDetail(props: ChannelDetailProps) {
  // Keyboard users land back on the row they opened it from.
  const opener = document.activeElement as HTMLElement | null;
  onCleanup(() => opener?.isConnected && opener.focus());
  return (
    <aside
      class="channel-detail"
      role="dialog"
      aria-label={`Channel ${props.channel} of ${props.layer}`}
      data-testid="channel-detail"
      tabindex="-1"
      ref={(el) => queueMicrotask(() => el.focus())}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onClose();
      }}
    >
      <header class="section-head">
        <h2>
          {props.layer} · channel {props.channel}
        </h2>
        <button type="button" class="close" aria-label="Close channel detail" onClick={() => props.onClose()}>
          ×
        </button>
      </header>
      <div class="detail-images">
        <ChannelHeatmap
          imageUrl={props.imageUrl}
          heatmapUrl={props.heatmapUrl}
          size={190}
          label={`Spatial attribution of channel ${props.channel}`}
        />
        <ChannelPicture channel={props.channel} size={130} spritemap={props.spritemap} picture={props.picture} />
      </div>
      <Show when={props.gallery}>
        {(g) => (
          <>
            <h3>Where it mattered most, of {g().imagesDone} images</h3>
            <ChannelImages channel={props.channel} layer={props.layer} images={g().images} toward={g().toward} />
          </>
        )}
      </Show>
      <h3>What excites it in the example images</h3>
      <p class="note">The crops where channel {props.channel} is most active, each with its activation there.</p>
      <DatasetExamples examples={props.examples} />
      <h3>Value over the run</h3>
      <Show when={props.trace.length > 1} fallback={<p class="note">One snapshot so far.</p>}>
        <ValueOverRun points={props.trace} xMax={props.stepsEnd} label={`Value of channel ${props.channel} against steps done`} />
      </Show>
      <h3>Rank by method</h3>
      <table class="ranks">
        <thead>
          <tr>
            <th scope="col">method</th>
            <th scope="col">rank</th>
            <th scope="col">value</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.ranks}>
            {(r) => (
              <tr>
                <th scope="row">{r.method}</th>
                <td>
                  {r.rank} <span class="of">/ {r.of}</span>
                </td>
                <td>{formatValue(r.value)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </aside>
  );
}
