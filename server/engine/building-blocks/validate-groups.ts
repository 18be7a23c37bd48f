import { resolveLayer, type LayerInfo } from '../layer-info.js';
import { EngineError } from '../../errors/engine-error.js';

/** Groups a request may ask for: the dashboard tells 8 colours apart, and NMF work grows with K^2. */
export const MAX_GROUPS = 16;

/** A layer a user may pick, by any of its names, or UNKNOWN_LAYER / BAD_ARGUMENT saying why not (layer-info.ts). */
export function requireAttributionLayer(name: string, layers: LayerInfo[]): LayerInfo {
  return resolveLayer(layers, name);
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
