export interface Spritemap {
  url: string;
  /** Pixel size of one channel's tile in the spritemap. */
  spriteSize: number;
  /** Tiles per row (the notebook's `sprite_n_wrap`). */
  columns: number;
  /** Channels whose tile is still blank (a render in progress). */
  missing?: readonly number[];
}

export const hasSprite = (spritemap: Spritemap | null | undefined, channel: number): spritemap is Spritemap =>
  !!spritemap && !(spritemap.missing ?? []).includes(channel);

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
