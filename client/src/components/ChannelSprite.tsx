import { Match, Show, Switch } from 'solid-js';
import { formatEta } from '../lib/format';

export interface Spritemap {
  url: string;
  /** Pixel size of one channel's tile in the spritemap. */
  spriteSize: number;
  /** Tiles per row (the notebook's `sprite_n_wrap`). */
  columns: number;
  /** Channels whose tile is still blank (a render in progress). */
  missing?: readonly number[];
}

/** One channel's own picture (on-demand sprites, `layerSprites`): the full profile's where one exists, else the thumbnail. */
export interface SpriteImage {
  path: string;
  profile: string;
}

/** A channel's picture that is queued or rendering on the server. */
export interface SpriteRender {
  status: 'QUEUED' | 'RENDERING';
  etaSeconds?: number | null;
}

/** What a channel row shows in the picture's place. */
export interface ChannelPictureState {
  sprite?: SpriteImage;
  render?: SpriteRender;
}

export const hasSprite = (spritemap: Spritemap | null | undefined, channel: number): spritemap is Spritemap =>
  !!spritemap && !(spritemap.missing ?? []).includes(channel);

/** "rendering…, about 40 s", "queued": the words a row shows (and reads out) while its picture is on its way. */
export function spriteStatusText(render: SpriteRender): string {
  const eta = render.etaSeconds != null ? `, about ${formatEta(render.etaSeconds)}` : '';
  return `${render.status === 'RENDERING' ? 'rendering…' : 'queued'}${eta}`;
}

/** The channel's feature visualization, cut from the layer's spritemap as the notebook's widget does. */
export function ChannelSprite(props: { spritemap: Spritemap; channel: number; size: number }) {
  const scale = () => props.size / props.spritemap.spriteSize;
  const col = () => props.channel % props.spritemap.columns;
  const row = () => Math.floor(props.channel / props.spritemap.columns);
  return (
    <div
      class="sprite"
      role="img"
      aria-label={`Feature visualization of channel ${props.channel}`}
      style={{
        width: `${props.size}px`,
        height: `${props.size}px`,
        'background-image': `url(${props.spritemap.url})`,
        'background-size': `${props.spritemap.columns * props.size}px auto`,
        'background-position': `-${col() * props.spritemap.spriteSize * scale()}px -${row() * props.spritemap.spriteSize * scale()}px`,
      }}
    />
  );
}

/** Whether a channel has a picture to show now: its tile in a complete spritemap, or its own sprite. */
export const hasPicture = (channel: number, spritemap?: Spritemap | null, picture?: ChannelPictureState): boolean =>
  hasSprite(spritemap, channel) || !!picture?.sprite;

/**
 * The picture of a channel wherever one exists: its tile in a complete spritemap, else its own
 * sprite; while neither exists and a render is on its way, the words "rendering…" or "queued"
 * with the ETA in its place (text, not only a colour). Nothing while nobody asked for one.
 */
export function ChannelPicture(props: { channel: number; size: number; spritemap?: Spritemap | null; picture?: ChannelPictureState }) {
  return (
    <Switch>
      <Match when={hasSprite(props.spritemap, props.channel) && props.spritemap}>
        {(sm) => <ChannelSprite spritemap={sm()} channel={props.channel} size={props.size} />}
      </Match>
      <Match when={props.picture?.sprite}>
        {(s) => (
          <img
            class="sprite"
            src={s().path}
            width={props.size}
            height={props.size}
            alt={`Feature visualization of channel ${props.channel}`}
            data-profile={s().profile}
          />
        )}
      </Match>
      <Match when={props.picture?.render}>
        {(r) => (
          <span
            class="sprite sprite-pending"
            data-testid="sprite-pending"
            data-status={r().status}
            style={{ width: `${props.size}px`, height: `${props.size}px` }}
          >
            {/* A soft hyphen: "rendering…" breaks inside a 36 px tile rather than being cut. */}
            {r().status === 'RENDERING' ? 'render\u00ading…' : 'queued'}
            <Show when={r().etaSeconds != null}>
              <span class="eta">~{formatEta(r().etaSeconds!)}</span>
            </Show>
          </span>
        )}
      </Match>
    </Switch>
  );
}
