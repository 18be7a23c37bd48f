/**
 * The two ways a sprite is rendered. `full` is the spritemap look (docs/spritemaps.md): 96 px,
 * 256 steps, 4 channels per batch. `thumbnail` is the on-demand icon, at the settings Lucid's
 * activation-atlas icons and Captum's optim tutorials use: 80 px, 128 steps, the channels asked
 * for optimized as one batch (bench/feature-vis.ts measures what each costs, and
 * bench/sprite-profiles.ts what the thumbnail gives up). A full sprite, where one exists, is shown
 * in preference.
 */
export interface SpriteProfile {
  name: 'full' | 'thumbnail';
  size: number;
  steps: number;
  /** Channels optimized together. */
  batch: number;
}

export const FULL_PROFILE: SpriteProfile = { name: 'full', size: 96, steps: 256, batch: 4 };

/** One batch of up to 20: the top and bottom 10 of a job render together. */
export const THUMBNAIL_PROFILE: SpriteProfile = { name: 'thumbnail', size: 80, steps: 128, batch: 20 };

/** In the order a picture is looked for: the full one first. */
export const SPRITE_PROFILES: readonly SpriteProfile[] = [FULL_PROFILE, THUMBNAIL_PROFILE];
