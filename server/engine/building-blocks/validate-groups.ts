import { ATTRIBUTION_LAYERS, type LayerInfo } from '../network/network.js';
import { EngineError } from '../../errors/engine-error.js';

/** Groups a request may ask for: the dashboard tells 8 colours apart, and NMF work grows with K^2. */
export const MAX_GROUPS = 16;

/** A layer a user may pick (mixed3a..mixed5b), or UNKNOWN_LAYER listing them. */
export function requireAttributionLayer(name: string, layers: LayerInfo[]): LayerInfo {
  const layer = layers.find((l) => l.name === name);
  if (!layer || !(ATTRIBUTION_LAYERS as readonly string[]).includes(name)) {
    throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${name}": choose one of ${ATTRIBUTION_LAYERS.join(', ')}.`, {
      valid: [...ATTRIBUTION_LAYERS],
    });
  }
  return layer;
}

/** K of a factorization: 1..min(positions, channels, MAX_GROUPS). */
export function validateGroupCount(groups: number, layer: LayerInfo): number {
  const max = Math.min(layer.height * layer.width, layer.channels, MAX_GROUPS);
  if (!Number.isInteger(groups) || groups < 1 || groups > max) {
    throw new EngineError('BAD_ARGUMENT', `groups must be a whole number from 1 to ${max} at ${layer.name}, got ${groups}.`);
  }
  return groups;
}

export function validateSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    throw new EngineError('BAD_ARGUMENT', `seed must be a whole number from 0 to ${2 ** 31 - 1}, got ${seed}.`);
  return seed;
}
