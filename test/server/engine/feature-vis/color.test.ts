import { describe, expect, it } from 'vitest';
import { DECORRELATED_TO_RGB, toValidRgb, toValidRgbBackward } from '../../../../server/engine/feature-vis/color.js';

describe('colour decorrelation', () => {
  it("normalizes Lucid's ImageNet matrix by its largest column norm", () => {
    const norms = [0, 1, 2].map((j) => Math.hypot(DECORRELATED_TO_RGB[j], DECORRELATED_TO_RGB[3 + j], DECORRELATED_TO_RGB[6 + j]));
    expect(Math.max(...norms)).toBeCloseTo(1, 6);
    // Column 0 (luminance) is the largest: 0.26, 0.27, 0.27.
    expect(norms[0]).toBeCloseTo(1, 6);
    expect(DECORRELATED_TO_RGB[3] / DECORRELATED_TO_RGB[0]).toBeCloseTo(0.27 / 0.26, 6);
  });

  it('maps 0 to mid grey and stays inside [0, 1]', () => {
    // Planar, 3 pixels: pixel 0 is (0, 0, 0).
    const rgb = toValidRgb(Float32Array.from([0, 50, -50, 0, -50, 50, 0, 50, -50]), 3);
    expect(Array.from(rgb.slice(0, 3))).toEqual([0.5, 0.5, 0.5]);
    for (const v of rgb) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('mixes the three planar components of each pixel by the matrix', () => {
    const M = DECORRELATED_TO_RGB;
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const rgb = toValidRgb(Float32Array.from([1, 0, 0.5, 2, -1, 0]), 2);
    // Pixel 1 is (0, 2, 0) in the components, channel R = sigmoid(M[0][1] * 2).
    expect(rgb[3]).toBeCloseTo(sig(M[1] * 2), 6);
    expect(rgb[1]).toBeCloseTo(sig(M[3] * 1 + M[4] * 0.5 + M[5] * -1), 6);
  });

  it('backward matches central differences', () => {
    const x = Float32Array.from([0.3, -1.2, 0.8, 2, 0.1, -0.4]);
    const g = Float32Array.from([1, -2, 0.5, 0.3, 0.7, -1]);
    // Two pixels: x planar [3][2], g HWC [2][3].
    const analytic = toValidRgbBackward(toValidRgb(x, 2), g, 2);
    const f = (v: Float32Array) => toValidRgb(v, 2).reduce((s, y, i) => s + y * g[i], 0);
    const h = 1e-3;
    for (let i = 0; i < x.length; i++) {
      const up = Float32Array.from(x);
      const down = Float32Array.from(x);
      up[i] += h;
      down[i] -= h;
      expect(analytic[i]).toBeCloseTo((f(up) - f(down)) / (2 * h), 3);
    }
  });
});
