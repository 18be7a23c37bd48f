import { For, Show } from 'solid-js';
import { formatValue } from '../lib/format';

export interface DatasetExampleCrop {
  imagePath: string;
  /** The crop in the 224 px network input (the image centre-cropped to a square). */
  x: number;
  y: number;
  size: number;
  activation: number;
}

/** Input size the crop coordinates refer to (the network's 224x224 input). */
const INPUT_PX = 224;

/**
 * Crops of the example images that excite the channel most, best first: what the channel
 * responds to in real photos, beside its attribution.
 */
export function DatasetExamples(props: { examples?: readonly DatasetExampleCrop[]; size?: number }) {
  const size = () => props.size ?? 72;
  return (
    <Show when={props.examples} fallback={<p class="note">Finding example crops…</p>}>
      {(examples) => (
        <Show when={examples().length > 0} fallback={<p class="note">No example images on this server.</p>}>
          <ul class="dataset-examples">
            <For each={examples()}>
              {(e) => (
                <li>
                  {/* The viewBox cuts the crop out of the centre-cropped image. */}
                  <svg
                    width={size()}
                    height={size()}
                    viewBox={`${e.x} ${e.y} ${e.size} ${e.size}`}
                    role="img"
                    aria-label={`Example crop, activation ${formatValue(e.activation)}`}
                  >
                    <image href={e.imagePath} x="0" y="0" width={INPUT_PX} height={INPUT_PX} preserveAspectRatio="xMidYMid slice" />
                  </svg>
                  <span class="activation">
                    <span class="label">activation</span> {formatValue(e.activation)}
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      )}
    </Show>
  );
}
