import { PNG } from 'pngjs';
import { EngineError } from '../errors/engine-error.js';
import type { SpatialMap } from '../engine/attribution/types.js';

/** CHANNEL: each heatmap uses its own full range; LAYER: one range for all channels, so thumbnails compare. */
export type HeatmapScale = 'CHANNEL' | 'LAYER';

/** Blue for positive, red for negative, as the notebook's BarsWidget colours attributions. */
const POSITIVE = [33, 102, 172];
const NEGATIVE = [178, 24, 43];

/**
 * One channel's spatial attribution as an RGBA PNG at the layer's own resolution (14x14 at
 * mixed4d): colour gives the sign, opacity the magnitude. Clients lay it over the input image
 * and let the browser scale it, so encoding stays tiny (a few hundred bytes, well under a
 * millisecond) and can run on the main thread.
 */
export function heatmapPng(map: SpatialMap, channel: number, scale: HeatmapScale): Buffer {
  const { height, width, channels, data } = map;
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new EngineError('BAD_ARGUMENT', `Channel ${channel} is out of range: the layer has channels 0..${channels - 1}.`);
  }
  let max = 0;
  if (scale === 'LAYER') max = layerMax(data);
  else for (let p = 0; p < height * width; p++) max = Math.max(max, Math.abs(data[p * channels + channel]));

  const png = new PNG({ width, height });
  for (let p = 0; p < height * width; p++) {
    const v = data[p * channels + channel];
    const rgb = v >= 0 ? POSITIVE : NEGATIVE;
    png.data[p * 4] = rgb[0];
    png.data[p * 4 + 1] = rgb[1];
    png.data[p * 4 + 2] = rgb[2];
    png.data[p * 4 + 3] = max > 0 ? Math.round((255 * Math.abs(v)) / max) : 0;
  }
  return PNG.sync.write(png);
}

/** The largest magnitude of a map, computed once: a dashboard asks for many channels of one map. */
const layerMaxCache = new WeakMap<Float32Array, number>();
function layerMax(data: Float32Array): number {
  let max = layerMaxCache.get(data);
  if (max === undefined) {
    max = 0;
    for (let i = 0; i < data.length; i++) max = Math.max(max, Math.abs(data[i]));
    layerMaxCache.set(data, max);
  }
  return max;
}

export const pngDataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;
