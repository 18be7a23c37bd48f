import { For, Show } from 'solid-js';
import { channelMapDataUrl } from '../lib/channel-map-png';
import { formatValue } from '../lib/format';
import type { ChannelImage } from '../store/create-channel-images-store';
import { ChannelHeatmap } from './ChannelHeatmap';
import { exampleName } from './ImagePicker';

/**
 * The images of a multi-image job where one channel mattered most, largest first (most negative
 * first for a channel that pushes toward class 2): each image under the channel's map there, with
 * its value and bar.
 */
export function ChannelImages(props: { channel: number; layer: string; images?: readonly ChannelImage[]; toward: 'class 1' | 'class 2' }) {
  return (
    <Show when={props.images} fallback={<p class="note">Loading the images…</p>}>
      {(images) => (
        <Show when={images().length} fallback={<p class="note">No image is done yet.</p>}>
          <ol
            class="channel-images"
            aria-label={`Images where channel ${props.channel} of ${props.layer} pushes most toward ${props.toward}`}
          >
            <For each={images()}>
              {(c) => {
                const map = () => {
                  const h = c.heatmap;
                  const m = h?.maps[0];
                  return h && m ? channelMapDataUrl({ width: h.width, height: h.height, cells: m.cells }) : undefined;
                };
                return (
                  <li data-testid="channel-image" data-image-index={c.imageIndex}>
                    <ChannelHeatmap
                      size={84}
                      imageUrl={c.image.path}
                      heatmapUrl={map()}
                      label={`Channel ${props.channel} over ${exampleName(c.image)}`}
                    />
                    <span class="channel-image-caption">
                      {c.rank}. {exampleName(c.image)}
                      <br />
                      {formatValue(c.value)} ±{formatValue(2 * c.error)}
                    </span>
                  </li>
                );
              }}
            </For>
          </ol>
        </Show>
      )}
    </Show>
  );
}
