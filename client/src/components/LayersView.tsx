import { createSignal, For, Show } from 'solid-js';
import type { LayerEstimateFieldsFragment } from '../gql/graphql';
import { channelMapDataUrl } from '../lib/channel-map-png';
import { formatValue } from '../lib/format';
import { ChannelHeatmap } from './ChannelHeatmap';

type Score = LayerEstimateFieldsFragment['top'][number];

/** The channel a column shows over the image, and the list it came from. */
interface Pointed {
  layer: string;
  channel: number;
}

const STATUS_TEXT: Record<LayerEstimateFieldsFragment['status'], string> = {
  QUEUED: 'queued',
  RUNNING: 'running',
  DONE: 'done',
};

/**
 * The article's figure, live: one column per layer, from input to output, each with its top and
 * bottom channels (value, and its 2-sigma bar) refining as the job's snapshots come. Pointing at
 * a channel (hover or keyboard focus) lays its spatial map over the image at the top of its
 * column. Over several images the values are means, and each row also says in how many of the
 * images the channel is in the top (or bottom) K.
 */
export function LayersView(props: { layers: readonly LayerEstimateFieldsFragment[]; imageUrl?: string; images?: number }) {
  const [pointed, setPointed] = createSignal<Pointed | undefined>();
  const scale = () => Math.max(1e-12, ...props.layers.flatMap((l) => [...l.top, ...l.bottom].map((s) => Math.abs(s.value))));
  return (
    <section class="layers-view" aria-label={props.images ? `Layers, mean over ${props.images} images` : 'Layers'}>
      <h2>{props.images ? `Every layer, mean over ${props.images} images` : 'Every layer'}</h2>
      <ol class="layers-columns">
        <For each={props.layers}>
          {(layer) => {
            const shown = () => (pointed()?.layer === layer.layer ? pointed()!.channel : (layer.top[0]?.channel ?? undefined));
            const map = () => {
              const m = layer.channelMaps?.maps.find((x) => x.channel === shown());
              return m && layer.channelMaps
                ? channelMapDataUrl({ width: layer.channelMaps.width, height: layer.channelMaps.height, cells: m.cells })
                : undefined;
            };
            const row = (direction: 'top' | 'bottom') => (s: Score) => {
              const count = () => (direction === 'top' ? layer.topCount : layer.bottomCount)[s.channel];
              const bar = () => `${Math.round((Math.abs(s.value) / scale()) * 100)}%`;
              const label = () =>
                `channel ${s.channel}, ${formatValue(s.value)}` +
                (s.error != null ? ` plus or minus ${formatValue(2 * s.error)}` : '') +
                (layer.topCount.length ? `, in the ${direction} of ${count()} of ${layer.imagesDone} images` : '');
              return (
                <li>
                  <button
                    type="button"
                    class="layer-channel"
                    classList={{ pointed: shown() === s.channel }}
                    data-channel={s.channel}
                    aria-label={label()}
                    onMouseEnter={() => setPointed({ layer: layer.layer, channel: s.channel })}
                    onFocus={() => setPointed({ layer: layer.layer, channel: s.channel })}
                  >
                    <span class="layer-channel-index">{s.channel}</span>
                    <span class={`layer-channel-bar ${direction}`} style={{ width: bar() }} />
                    <span class="layer-channel-value">
                      {formatValue(s.value)}
                      <Show when={s.error != null}> ±{formatValue(2 * s.error!)}</Show>
                    </span>
                    <Show when={layer.topCount.length}>
                      <span class="layer-channel-count" title={`in the ${direction} K of ${count()} of ${layer.imagesDone} images`}>
                        {count()}/{layer.imagesDone}
                      </span>
                    </Show>
                  </button>
                </li>
              );
            };
            return (
              <li class="layer-column" data-layer={layer.layer} data-status={layer.status} data-steps-done={layer.stepsDone}>
                <h3>{layer.layer}</h3>
                <p class="layer-status">
                  {STATUS_TEXT[layer.status]}, {layer.stepsDone} steps{layer.settled ? ', settled' : ''}
                </p>
                <ChannelHeatmap
                  size={96}
                  imageUrl={props.imageUrl}
                  heatmapUrl={props.images ? undefined : map()}
                  label={shown() === undefined ? `${layer.layer}: no estimate yet` : `${layer.layer}, channel ${shown()} over the image`}
                />
                <Show when={layer.top.length} fallback={<p class="layer-status">no estimate yet</p>}>
                  <h4>toward class 1</h4>
                  <ol class="layer-channels" data-testid={`layer-top-${layer.layer}`}>
                    <For each={layer.top}>{row('top')}</For>
                  </ol>
                  <h4>toward class 2</h4>
                  <ol class="layer-channels" data-testid={`layer-bottom-${layer.layer}`}>
                    <For each={layer.bottom}>{row('bottom')}</For>
                  </ol>
                </Show>
              </li>
            );
          }}
        </For>
      </ol>
    </section>
  );
}
