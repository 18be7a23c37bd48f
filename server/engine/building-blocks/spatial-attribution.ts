import type { GridShape } from './semantic-dictionary.js';

/**
 * Class-to-position attribution: a per-channel spatial map (NHWC, attribution of each position
 * and channel) summed over channels, H*W in row-major order. On a SIMPLE job's map this is
 * Lucid's `raw_class_spatial_attr` (AttrSpatial.ipynb): sum_c A * dScore/dA at each position; on a
 * path job's map, the same with the integrated gradient. Positions add up to the channel total.
 */
export function classSpatialAttribution(map: ArrayLike<number>, shape: GridShape): number[] {
  const positions = shape.height * shape.width;
  const out = new Array<number>(positions).fill(0);
  for (let p = 0; p < positions; p++) {
    let s = 0;
    for (let c = 0, o = p * shape.channels; c < shape.channels; c++) s += map[o + c];
    out[p] = s;
  }
  return out;
}
