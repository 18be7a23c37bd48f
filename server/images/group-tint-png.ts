import { PNG } from 'pngjs';

/**
 * Okabe & Ito's colour-blind-safe palette (2008), black left out: group i is drawn in colour
 * i mod 7 everywhere (tints, bars, icons' frames), so the API hands out the same colours the
 * dashboard uses.
 */
export const GROUP_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const;

export const groupColour = (index: number) => GROUP_COLOURS[index % GROUP_COLOURS.length];

/**
 * A non-negative map (H*W, row-major) as an RGBA PNG at the layer's resolution, in one colour
 * with opacity proportional to the value (the largest value opaque): a neuron group's region,
 * or any one-signed map, laid over the image and scaled by the browser.
 */
/**
 * All groups in one PNG, as the article draws them over the image: each position in the mix of
 * the groups' colours weighted by their spatial factors (each relative to its own peak), opaque
 * where some group peaks, clear where none is active.
 */
export function groupsTintPng(spatial: readonly ArrayLike<number>[], width: number, height: number): Buffer {
  const colours = spatial.map((_, i) => {
    const hex = groupColour(i);
    return [1, 3, 5].map((j) => parseInt(hex.slice(j, j + 2), 16));
  });
  const maxima = spatial.map((s) => {
    let m = 0;
    for (let p = 0; p < width * height; p++) m = Math.max(m, s[p]);
    return m;
  });
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    // Each group's weight here relative to its own peak; the colour mixes the groups by weight, the opacity is the strongest.
    let total = 0,
      strongest = 0;
    const rgb = [0, 0, 0];
    spatial.forEach((s, i) => {
      const w = maxima[i] > 0 ? Math.max(s[p], 0) / maxima[i] : 0;
      total += w;
      strongest = Math.max(strongest, w);
      for (let c = 0; c < 3; c++) rgb[c] += w * colours[i][c];
    });
    for (let c = 0; c < 3; c++) png.data[p * 4 + c] = total > 0 ? Math.round(rgb[c] / total) : 0;
    png.data[p * 4 + 3] = Math.round(255 * strongest);
  }
  return PNG.sync.write(png);
}

export function tintPng(values: ArrayLike<number>, width: number, height: number, hex: string): Buffer {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let max = 0;
  for (let p = 0; p < width * height; p++) max = Math.max(max, values[p]);
  const png = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) {
    png.data[p * 4] = rgb[0];
    png.data[p * 4 + 1] = rgb[1];
    png.data[p * 4 + 2] = rgb[2];
    png.data[p * 4 + 3] = max > 0 ? Math.round((255 * Math.max(values[p], 0)) / max) : 0;
  }
  return PNG.sync.write(png);
}
