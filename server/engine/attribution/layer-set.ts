import { EngineError } from '../../errors/engine-error.js';
import { nearestNames } from '../layer-info.js';
import type { AttributionRequest } from './types.js';

/** What `layers` may say for every attribution layer. */
export const ALL_LAYERS = '*';

/**
 * The layers a multi-layer input names, checked, without repeats, from input to output (the
 * article's figure reads that way); `*` (alone) is every layer of `available`.
 */
export function resolveLayers(names: readonly string[], available: readonly string[]): string[] {
  if (names.length === 0) throw new EngineError('UNKNOWN_LAYER', `layers is empty: name one or more of ${available.join(', ')}, or "*".`);
  if (names.includes(ALL_LAYERS)) {
    if (names.length > 1)
      throw new EngineError(
        'UNKNOWN_LAYER',
        `"*" stands for every layer: give it alone, not with ${names.filter((n) => n !== ALL_LAYERS).join(', ')}.`,
      );
    return [...available];
  }
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length) {
    // A short list (the built-in model's nine blocks) is shown whole; a long one by the 5 names nearest the first unknown.
    const valid = available.length <= 12 ? [...available] : nearestNames(available, unknown[0]);
    throw new EngineError(
      'UNKNOWN_LAYER',
      `Unknown layer${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: ${available.length <= 12 ? 'choose from' : 'closest'} ${valid.join(', ')}, or "*" for all.`,
      { valid },
    );
  }
  return available.filter((l) => names.includes(l));
}

/** The layers a request integrates, in order: its `layers`, or its one layer. */
export const requestLayers = (request: Pick<AttributionRequest, 'layer' | 'layers'>): string[] =>
  request.layers && request.layers.length > 0 ? [...request.layers] : [request.layer];

/**
 * The request one layer of a multi-layer request runs: exactly what a job at that layer alone
 * gets from validateInput (nothing else in a request depends on the layer), so its values
 * equal that job's bit for bit.
 */
export function layerRequest(request: AttributionRequest, layer: string): AttributionRequest {
  const { layers: _layers, ...single } = request;
  return { ...single, layer };
}
