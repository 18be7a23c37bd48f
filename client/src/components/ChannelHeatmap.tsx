import { Show } from 'solid-js';

/**
 * A channel's spatial attribution over the input image: the engine's heatmap (one pixel per
 * position of the layer's grid, blue toward class 1, red toward class 2, opacity by magnitude)
 * laid over the centre-cropped image, kept pixelated so the grid's resolution stays visible.
 */
export function ChannelHeatmap(props: { imageUrl?: string; heatmapUrl?: string; size: number; label: string }) {
  return (
    <svg
      class="heatmap"
      width={props.size}
      height={props.size}
      viewBox="0 0 1 1"
      role="img"
      aria-label={props.label}
      data-has-heatmap={props.heatmapUrl ? 'true' : 'false'}
    >
      <Show when={props.imageUrl}>
        <image
          href={props.imageUrl}
          x="0"
          y="0"
          width="1"
          height="1"
          preserveAspectRatio="xMidYMid slice"
          opacity={props.heatmapUrl ? 0.5 : 1}
        />
      </Show>
      <Show when={props.heatmapUrl}>
        <image class="heatmap-overlay" href={props.heatmapUrl} x="0" y="0" width="1" height="1" preserveAspectRatio="none" />
      </Show>
    </svg>
  );
}
