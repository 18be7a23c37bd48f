/**
 * Feature visualization (Lucid's `optvis`): the render loop, its objectives, image
 * parameterization and transforms here; the pixel gradients it ascends in `input-gradients/`.
 */
export { renderChannels, LEARNING_RATE, type RenderRequest, type RenderedSprite } from './render.js';
export {
  channel,
  direction,
  parseObjective,
  assertChannels,
  type ChannelObjective,
  type DirectionObjective,
  type Objective,
} from './objective.js';
export { FULL_PROFILE, THUMBNAIL_PROFILE, SPRITE_PROFILES, type SpriteProfile } from './profiles.js';
export { standardTransforms } from './transforms.js';
export { createInputGradientEngine, type InputGradientEngine, type ChannelGradients } from './input-gradients/index.js';
