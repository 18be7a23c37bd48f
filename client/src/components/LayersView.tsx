import { createEffect, createMemo, createSignal, For, Show } from 'solid-js';
import type { LayerEstimateFieldsFragment } from '../gql/graphql';
import { channelMapDataUrl } from '../lib/channel-map-png';
import { formatValue } from '../lib/format';
import type { ChannelImage } from '../store/create-channel-images-store';
import type { LayerSpritesStore } from '../store/create-layer-sprites';
import { ChannelHeatmap } from './ChannelHeatmap';
import { ChannelImages } from './ChannelImages';
import { ChannelPicture, type ChannelPictureState, type Spritemap } from './ChannelSprite';

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

/** Pixel size of a row's channel picture. */
const SPRITE_SIZE = 28;

export interface LayersViewProps {
  layers: readonly LayerEstimateFieldsFragment[];
  imageUrl?: string;
  images?: number;
  /** One layer's channel pictures, live (a subscription per column, made when the column is). */
  spritesFor?: (layer: string) => LayerSpritesStore;
  /** A layer's rendered spritemap, where there is one. */
  spritemapOf?: (layer: string) => Spritemap | null;
  /** Over several images: the images where a layer's channel mattered most. */
  galleryOf?: (layer: string, channel: number) => { images?: readonly ChannelImage[]; toward: 'class 1' | 'class 2' } | undefined;
}

/**
 * The article's figure, live: one column per layer, from input to output, each with its top and
 * bottom channels (picture, value, and its 2-sigma bar) refining as the job's snapshots come.
 * Pointing at a channel (hover or keyboard focus) lays its spatial map over the image at the top
 * of its column; choosing it (click, Enter) opens it below the columns, with, over several images,
 * the images where it mattered most. Over several images the values are means, and each row also
 * says in how many of the images the channel is in the top (or bottom) K.
 */
export function LayersView(props: LayersViewProps) {
  const [pointed, setPointed] = createSignal<Pointed | undefined>();
  const [opened, setOpened] = createSignal<Pointed | undefined>();
  const scale = () => Math.max(1e-12, ...props.layers.flatMap((l) => [...l.top, ...l.bottom].map((s) => Math.abs(s.value))));
  // Columns keyed by layer name: each snapshot brings new objects, but a column (and its picture
  // subscription) lives as long as its layer is shown.
  const names = createMemo(() => props.layers.map((l) => l.layer), [], {
    equals: (a, b) => a.length === b.length && a.every((n, i) => n === b[i]),
  });
  const estimateOf = (name: string) => props.layers.find((l) => l.layer === name);
  const pictures = new Map<string, LayerSpritesStore | undefined>();
  const pictureOf = (layer: string, channel: number): ChannelPictureState => {
    const s = pictures.get(layer);
    return { sprite: s?.sprite(channel), render: s?.render(channel) };
  };
  return (
    <section class="layers-view" aria-label={props.images ? `Layers, mean over ${props.images} images` : 'Layers'}>
      <h2>{props.images ? `Every layer, mean over ${props.images} images` : 'Every layer'}</h2>
      <ol class="layers-columns">
        <For each={names()}>
          {(name) => {
            const layer = () => estimateOf(name)!;
            const sprites = props.spritesFor?.(name);
            pictures.set(name, sprites);
            // A column's rows change little once it is done: ask for their pictures then.
            createEffect(() => {
              const l = estimateOf(name);
              if (sprites?.ready() && l && (l.status === 'DONE' || l.settled))
                sprites.request(
                  [...l.top, ...l.bottom].map((s) => s.channel),
                  'VISIBLE',
                );
            });
            const shown = () => (pointed()?.layer === name ? pointed()!.channel : (layer().top[0]?.channel ?? undefined));
            const map = () => {
              const l = layer();
              const m = l.channelMaps?.maps.find((x) => x.channel === shown());
              return m && l.channelMaps
                ? channelMapDataUrl({ width: l.channelMaps.width, height: l.channelMaps.height, cells: m.cells })
                : undefined;
            };
            const row = (direction: 'top' | 'bottom') => (s: Score) => {
              const count = () => (direction === 'top' ? layer().topCount : layer().bottomCount)[s.channel];
              const bar = () => `${Math.round((Math.abs(s.value) / scale()) * 100)}%`;
              const label = () =>
                `channel ${s.channel}, ${formatValue(s.value)}` +
                (s.error != null ? ` plus or minus ${formatValue(2 * s.error)}` : '') +
                (layer().topCount.length ? `, in the ${direction} of ${count()} of ${layer().imagesDone} images` : '');
              return (
                <li>
                  <button
                    type="button"
                    class="layer-channel"
                    classList={{ pointed: shown() === s.channel, opened: opened()?.layer === name && opened()?.channel === s.channel }}
                    data-channel={s.channel}
                    aria-label={label()}
                    aria-expanded={opened()?.layer === name && opened()?.channel === s.channel}
                    aria-controls="layers-channel-detail"
                    onMouseEnter={() => setPointed({ layer: name, channel: s.channel })}
                    onFocus={() => setPointed({ layer: name, channel: s.channel })}
                    onClick={() =>
                      setOpened((o) => (o?.layer === name && o.channel === s.channel ? undefined : { layer: name, channel: s.channel }))
                    }
                  >
                    <Show when={props.spritesFor || props.spritemapOf}>
                      <span class="layer-channel-picture" aria-hidden="true">
                        <ChannelPicture
                          channel={s.channel}
                          size={SPRITE_SIZE}
                          spritemap={props.spritemapOf?.(name)}
                          picture={pictureOf(name, s.channel)}
                        />
                      </span>
                    </Show>
                    <span class="layer-channel-index">{s.channel}</span>
                    <span class={`layer-channel-bar ${direction}`} style={{ width: bar() }} />
                    <span class="layer-channel-value">
                      {formatValue(s.value)}
                      <Show when={s.error != null}> ±{formatValue(2 * s.error!)}</Show>
                    </span>
                    <Show when={layer().topCount.length}>
                      <span class="layer-channel-count" title={`in the ${direction} K of ${count()} of ${layer().imagesDone} images`}>
                        {count()}/{layer().imagesDone}
                      </span>
                    </Show>
                  </button>
                </li>
              );
            };
            return (
              <li class="layer-column" data-layer={name} data-status={layer().status} data-steps-done={layer().stepsDone}>
                <h3>{name}</h3>
                <p class="layer-status">
                  {STATUS_TEXT[layer().status]}, {layer().stepsDone} steps{layer().settled ? ', settled' : ''}
                </p>
                <ChannelHeatmap
                  size={96}
                  imageUrl={props.imageUrl}
                  heatmapUrl={props.images ? undefined : map()}
                  label={shown() === undefined ? `${name}: no estimate yet` : `${name}, channel ${shown()} over the image`}
                />
                <Show when={layer().top.length} fallback={<p class="layer-status">no estimate yet</p>}>
                  <h4>toward class 1</h4>
                  <ol class="layer-channels" data-testid={`layer-top-${name}`}>
                    <For each={layer().top}>{row('top')}</For>
                  </ol>
                  <h4>toward class 2</h4>
                  <ol class="layer-channels" data-testid={`layer-bottom-${name}`}>
                    <For each={layer().bottom}>{row('bottom')}</For>
                  </ol>
                </Show>
              </li>
            );
          }}
        </For>
      </ol>
      <div id="layers-channel-detail" aria-live="polite">
        <Show when={opened()}>
          {(o) => {
            const est = () => estimateOf(o().layer);
            const score = () => [...(est()?.top ?? []), ...(est()?.bottom ?? [])].find((s) => s.channel === o().channel);
            const gallery = () => props.galleryOf?.(o().layer, o().channel);
            return (
              <section class="layers-channel" aria-label={`${o().layer}, channel ${o().channel}`} data-testid="layers-channel">
                <header class="section-head">
                  <h3>
                    {o().layer} · channel {o().channel}
                  </h3>
                  <button type="button" class="close" aria-label="Close the channel" onClick={() => setOpened(undefined)}>
                    ×
                  </button>
                </header>
                <div class="layers-channel-body">
                  <ChannelPicture
                    channel={o().channel}
                    size={96}
                    spritemap={props.spritemapOf?.(o().layer)}
                    picture={pictureOf(o().layer, o().channel)}
                  />
                  <Show when={score()}>
                    {(s) => (
                      <p>
                        {props.images ? 'Mean ' : ''}
                        {formatValue(s().value)}
                        <Show when={s().error != null}> ±{formatValue(2 * s().error!)}</Show>
                      </p>
                    )}
                  </Show>
                </div>
                <Show when={gallery()}>
                  {(g) => (
                    <>
                      <h4>Where it mattered most</h4>
                      <ChannelImages channel={o().channel} layer={o().layer} images={g().images} toward={g().toward} />
                    </>
                  )}
                </Show>
              </section>
            );
          }}
        </Show>
      </div>
    </section>
  );
}
