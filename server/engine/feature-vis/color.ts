/**
 * Colour decorrelation (Lucid's `param.color`, `_linear_decorrelate_color`): the optimized
 * channels are decorrelated colour components, mapped to RGB by the square root of ImageNet's
 * colour covariance, so a gradient step moves luminance and chroma independently instead of
 * producing the saturated per-channel noise plain RGB pixels drift into.
 *
 * The matrix is the constant Lucid publishes for ImageNet (`color_correlation_svd_sqrt` in
 * lucid/optvis/param/color.py): rows are R, G, B; columns the decorrelated components.
 */
export const IMAGENET_COLOR_CORRELATION_SVD_SQRT: readonly (readonly number[])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** Lucid divides by the largest column norm, so no component is amplified. */
const maxColumnNorm = Math.max(...[0, 1, 2].map((j) => Math.hypot(...IMAGENET_COLOR_CORRELATION_SVD_SQRT.map((row) => row[j]))));

/** rgb = M * decorrelated, M row-major 3x3. */
export const DECORRELATED_TO_RGB = Float64Array.from(IMAGENET_COLOR_CORRELATION_SVD_SQRT.flat(), (v) => v / maxColumnNorm);

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Decorrelated values to valid RGB in [0, 1]: colour matrix, then a sigmoid (Lucid's
 * `to_valid_rgb(decorrelate=True, sigmoid=True)`). `decorrelated` is planar, [image][3][pixels]
 * (as the FFT parameterization gives it); `out` is HWC, [image][pixels][3] (as the network reads).
 */
export function toValidRgb(decorrelated: Float32Array, pixels: number, out = new Float32Array(decorrelated.length)): Float32Array {
  const M = DECORRELATED_TO_RGB;
  const images = decorrelated.length / (3 * pixels);
  for (let n = 0; n < images; n++) {
    const a0 = n * 3 * pixels,
      b0 = a0 + pixels,
      c0 = b0 + pixels;
    for (let p = 0, o = n * 3 * pixels; p < pixels; p++, o += 3) {
      const a = decorrelated[a0 + p],
        b = decorrelated[b0 + p],
        c = decorrelated[c0 + p];
      out[o] = sigmoid(M[0] * a + M[1] * b + M[2] * c);
      out[o + 1] = sigmoid(M[3] * a + M[4] * b + M[5] * c);
      out[o + 2] = sigmoid(M[6] * a + M[7] * b + M[8] * c);
    }
  }
  return out;
}

/** Adjoint of toValidRgb at its output `rgb` (HWC): d/d(decorrelated) (planar) from d/d(rgb) (HWC). */
export function toValidRgbBackward(
  rgb: Float32Array,
  dRgb: Float32Array,
  pixels: number,
  out = new Float32Array(rgb.length),
): Float32Array {
  const M = DECORRELATED_TO_RGB;
  const images = rgb.length / (3 * pixels);
  for (let n = 0; n < images; n++) {
    const a0 = n * 3 * pixels,
      b0 = a0 + pixels,
      c0 = b0 + pixels;
    for (let p = 0, o = n * 3 * pixels; p < pixels; p++, o += 3) {
      const g0 = dRgb[o] * rgb[o] * (1 - rgb[o]);
      const g1 = dRgb[o + 1] * rgb[o + 1] * (1 - rgb[o + 1]);
      const g2 = dRgb[o + 2] * rgb[o + 2] * (1 - rgb[o + 2]);
      out[a0 + p] = M[0] * g0 + M[3] * g1 + M[6] * g2;
      out[b0 + p] = M[1] * g0 + M[4] * g1 + M[7] * g2;
      out[c0 + p] = M[2] * g0 + M[5] * g1 + M[8] * g2;
    }
  }
  return out;
}
