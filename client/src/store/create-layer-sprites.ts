import { type CombinedError, createSubscription, useClient } from '@urql/solid';
import { type Accessor, createMemo, createSignal } from 'solid-js';
import { type LayerSpritesFieldsFragment, LayerSpritesDocument, RequestSpritesDocument, type SpritePriority } from '../gql/graphql';

export type ChannelSpriteInfo = LayerSpritesFieldsFragment['sprites'][number];
export type SpriteRenderInfo = LayerSpritesFieldsFragment['pending'][number];

/** Most urgent first, as the server orders them (server/scheduling/render-lane.ts). */
const PRIORITY_ORDER: readonly SpritePriority[] = ['EXPLICIT', 'VISIBLE', 'LAYER', 'BACKGROUND'];
const rank = (p: SpritePriority) => PRIORITY_ORDER.indexOf(p);

/**
 * One layer's channel pictures, live: the `layerSprites` subscription carries the rendered ones
 * and the queued ones (with ETAs), so a picture appears as soon as the server saves it. `request`
 * asks for the channels that have none yet, each at most once per priority (a later, more urgent
 * ask moves it up on the server).
 */
export function createLayerSprites(
  layer: Accessor<string | undefined>,
  hasGridSprite: (channel: number) => boolean = () => false,
  /** The layer's model (undefined: the built-in one). */
  model: Accessor<string | undefined> = () => undefined,
) {
  const client = useClient();
  const [state] = createSubscription({
    query: LayerSpritesDocument,
    variables: () => ({ layer: layer() ?? '', model: model() ?? null }),
    pause: () => !layer(),
  });
  const [requestError, setRequestError] = createSignal<CombinedError>();
  const current = createMemo(() => {
    const s = state.data?.layerSprites;
    return s && s.layer === layer() ? s : undefined;
  });
  const sprites = createMemo(() => new Map((current()?.sprites ?? []).map((s) => [s.channel, s])));
  const pending = createMemo(() => new Map((current()?.pending ?? []).map((p) => [p.channel, p])));
  /** model/layer:channel -> the most urgent priority this page asked for it at. */
  const asked = new Map<string, SpritePriority>();

  return {
    /** False until the first state of the layer arrived (requests wait for it, to skip channels that have a picture). */
    ready: () => current() !== undefined,
    sprite: (channel: number): ChannelSpriteInfo | undefined => sprites().get(channel),
    render: (channel: number): SpriteRenderInfo | undefined => pending().get(channel),
    rendered: () => current()?.rendered ?? 0,
    channels: () => current()?.channels ?? 0,
    /** Seconds until the last queued picture arrives; null when unknown or nothing is queued. */
    etaSeconds: () => {
      const etas = (current()?.pending ?? []).map((p) => p.etaSeconds);
      return etas.length > 0 && etas.every((e) => e !== null) ? Math.max(...(etas as number[])) : null;
    },
    /** A whole-layer render the user started is under way (channels queued at LAYER priority). */
    layerRendering: () => (current()?.pending ?? []).some((p) => p.priority === 'LAYER'),
    error: () => state.error ?? requestError(),
    request(channels: readonly number[], priority: SpritePriority) {
      const l = layer();
      if (!l || !current()) return;
      const m = model() ?? null;
      const at = `${m ?? ''}/${l}`;
      const wanted = [...new Set(channels)].filter((c) => {
        if (sprites().has(c) || hasGridSprite(c)) return false;
        const before = asked.get(`${at}:${c}`);
        return before === undefined || rank(priority) < rank(before);
      });
      if (wanted.length === 0) return;
      for (const c of wanted) asked.set(`${at}:${c}`, priority);
      void client
        .mutation(RequestSpritesDocument, { layer: l, model: m, channels: wanted, priority })
        .toPromise()
        .then((r) => {
          setRequestError(r.error);
          // Not asked after all: a later call may try again.
          if (r.error) for (const c of wanted) if (asked.get(`${at}:${c}`) === priority) asked.delete(`${at}:${c}`);
        });
    },
  };
}
export type LayerSpritesStore = ReturnType<typeof createLayerSprites>;
