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
const maxColumnNorm = Math.max(
  ...[0, 1, 2].map((j) => Math.hypot(...IMAGENET_COLOR_CORRELATION_SVD_SQRT.map((row) => row[j]))),
);

/** rgb = M * decorrelated, M row-major 3x3. */
export const DECORRELATED_TO_RGB = Float64Array.from(IMAGENET_COLOR_CORRELATION_SVD_SQRT.flat(), (v) => v / maxColumnNorm);

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * Decorrelated values (HWC, 3 channels) to valid RGB in [0, 1]: colour matrix, then a sigmoid
 * (Lucid's `to_valid_rgb(decorrelate=True, sigmoid=True)`).
 */
export function toValidRgb(decorrelated: Float32Array): Float32Array {
  const M = DECORRELATED_TO_RGB;
  const out = new Float32Array(decorrelated.length);
  for (let p = 0; p < decorrelated.length; p += 3) {
    const a = decorrelated[p];
    const b = decorrelated[p + 1];
    const c = decorrelated[p + 2];
    for (let i = 0; i < 3; i++) out[p + i] = sigmoid(M[3 * i] * a + M[3 * i + 1] * b + M[3 * i + 2] * c);
  }
  return out;
}

/** Adjoint of toValidRgb at its output `rgb`: d/d(decorrelated) from d/d(rgb). */
export function toValidRgbBackward(rgb: Float32Array, dRgb: Float32Array): Float32Array {
  const M = DECORRELATED_TO_RGB;
  const out = new Float32Array(rgb.length);
  for (let p = 0; p < rgb.length; p += 3) {
    const g0 = dRgb[p] * rgb[p] * (1 - rgb[p]);
    const g1 = dRgb[p + 1] * rgb[p + 1] * (1 - rgb[p + 1]);
    const g2 = dRgb[p + 2] * rgb[p + 2] * (1 - rgb[p + 2]);
    for (let j = 0; j < 3; j++) out[p + j] = M[j] * g0 + M[3 + j] * g1 + M[6 + j] * g2;
  }
  return out;
}
