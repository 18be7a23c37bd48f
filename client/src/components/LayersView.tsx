import { createEffect, createMemo, createSignal, For, Show } from 'solid-js';
import type { LayerEstimateFieldsFragment } from '../gql/graphql';
import { channelMapDataUrl } from '../lib/channel-map-png';
import { formatValue } from '../lib/format';
import type { ChannelImage } from '../store/create-channel-images-store';
import type { LayerFlow } from '../store/create-layer-flow-store';
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
  /** A layer's grid (positions across and down), for picking a position on its column's picture. */
  gridOf?: (layer: string) => { width: number; height: number } | undefined;
  /** Layer-to-layer spatial attribution of one position of `to` over `from`'s grid (one image only). */
  flowOf?: (from: string, to: string, x: number, y: number) => LayerFlow | undefined;
}

/** Size of a column's picture, in pixels. */
const PICTURE_SIZE = 96;

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
  // The position picked on a column's picture: the column before it shows where that position comes from.
  const [picked, setPicked] = createSignal<{ layer: string; x: number; y: number } | undefined>();
  const [cursor, setCursor] = createSignal<{ layer: string; x: number; y: number } | undefined>();
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
          {(name, index) => {
            const layer = () => estimateOf(name)!;
            const before = () => (index() > 0 ? names()[index() - 1] : undefined);
            const after = () => names()[index() + 1];
            const grid = () => props.gridOf?.(name);
            // Picking positions needs one image, a layer before this one and the flow's source.
            const pickable = () => !props.images && !!before() && !!grid() && !!props.flowOf;
            // The flow into the next column's picked position, over this column's grid.
            const flowHere = () => {
              const p = picked();
              return p && p.layer === after() ? { ...p, flow: props.flowOf?.(name, p.layer, p.x, p.y) } : undefined;
            };
            const pick = (x: number, y: number) =>
              setPicked((p) => (p?.layer === name && p.x === x && p.y === y ? undefined : { layer: name, x, y }));
            const here = () => (cursor()?.layer === name ? cursor()! : picked()?.layer === name ? picked()! : { layer: name, x: 0, y: 0 });
            const onKey = (e: KeyboardEvent) => {
              const g = grid();
              if (!g) return;
              const c = here();
              const move: Record<string, [number, number]> = {
                ArrowLeft: [-1, 0],
                ArrowRight: [1, 0],
                ArrowUp: [0, -1],
                ArrowDown: [0, 1],
              };
              if (move[e.key]) {
                e.preventDefault();
                const [dx, dy] = move[e.key];
                setCursor({
                  layer: name,
                  x: Math.max(0, Math.min(g.width - 1, c.x + dx)),
                  y: Math.max(0, Math.min(g.height - 1, c.y + dy)),
                });
              } else if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                pick(c.x, c.y);
              } else if (e.key === 'Escape') setPicked(undefined);
            };
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
                <div
                  class="layer-picture"
                  classList={{ pickable: pickable() }}
                  style={{ width: `${PICTURE_SIZE}px`, height: `${PICTURE_SIZE}px` }}
                  data-testid={`layer-picture-${name}`}
                  {...(pickable()
                    ? {
                        role: 'button',
                        tabindex: 0,
                        'aria-label': `${name}: pick a position (arrow keys, then Enter, or a click) to see where it comes from in ${before()}`,
                        'aria-pressed': picked()?.layer === name,
                      }
                    : {})}
                  onClick={(e) => {
                    const g = grid();
                    if (!pickable() || !g) return;
                    const box = e.currentTarget.getBoundingClientRect();
                    const x = Math.min(g.width - 1, Math.floor(((e.clientX - box.left) / box.width) * g.width));
                    const y = Math.min(g.height - 1, Math.floor(((e.clientY - box.top) / box.height) * g.height));
                    setCursor({ layer: name, x, y });
                    pick(x, y);
                  }}
                  onKeyDown={(e) => pickable() && onKey(e)}
                  onBlur={() => setCursor(undefined)}
                >
                  <Show
                    when={flowHere()}
                    fallback={
                      <ChannelHeatmap
                        size={PICTURE_SIZE}
                        imageUrl={props.imageUrl}
                        heatmapUrl={props.images ? undefined : map()}
                        label={shown() === undefined ? `${name}: no estimate yet` : `${name}, channel ${shown()} over the image`}
                      />
                    }
                  >
                    {(f) => (
                      <ChannelHeatmap
                        size={PICTURE_SIZE}
                        imageUrl={props.imageUrl}
                        heatmapUrl={f().flow && 'heatmap' in f().flow! ? (f().flow as { heatmap: string }).heatmap : undefined}
                        label={`Where ${f().layer} (x ${f().x}, y ${f().y}) comes from in ${name}`}
                      />
                    )}
                  </Show>
                  <Show when={grid() && (picked()?.layer === name || cursor()?.layer === name) && here()}>
                    {(c) => (
                      <span
                        class="layer-picture-cell"
                        classList={{ picked: picked()?.layer === name && picked()!.x === c().x && picked()!.y === c().y }}
                        data-testid={`layer-cell-${name}`}
                        style={{
                          left: `${(c().x / grid()!.width) * 100}%`,
                          top: `${(c().y / grid()!.height) * 100}%`,
                          width: `${100 / grid()!.width}%`,
                          height: `${100 / grid()!.height}%`,
                        }}
                      />
                    )}
                  </Show>
                </div>
                <Show when={flowHere()}>
                  {(f) => (
                    <p class="layer-status layer-flow-note" data-testid={`layer-flow-${name}`} role="status">
                      {f().flow === undefined
                        ? `tracing ${f().layer} (x ${f().x}, y ${f().y}) back…`
                        : 'error' in f().flow!
                          ? (f().flow as { error: string }).error
                          : `→ ${f().layer} (x ${f().x}, y ${f().y}) comes from here`}
                    </p>
                  )}
                </Show>
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
