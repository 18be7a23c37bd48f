import type { ChannelPictureState, Spritemap } from './ChannelSprite';

/**
 * Everything a channel's row draws besides its numbers, handed down as one: the image its heatmap
 * is laid over, the heatmap of the estimate on screen, and the channel's feature visualization
 * (its spritemap tile, else its own sprite or the render on its way).
 */
export interface ChannelPictures {
  imageUrl?: string;
  heatmapOf?: (channel: number) => string | undefined;
  spritemap?: Spritemap | null;
  pictureOf?: (channel: number) => ChannelPictureState | undefined;
}
