import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';
import {
  compose,
  composedStandardTransforms,
  jitter,
  pad,
  padJitterScaleRotateJitter,
  randomRotate,
  randomScale,
  standardTransforms,
  transformedSize,
  type RgbImage,
  type Transform,
} from '../../../../server/engine/feature-vis/transforms.js';

const random = (w: number, h: number, seed: number): RgbImage => {
  const r = mulberry32(seed);
  return { width: w, height: h, data: Float32Array.from({ length: w * h * 3 }, () => r()) };
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

// The transforms are affine in the pixels (pad and resample add a constant fill), so the
// adjoint identity holds for the linear part: <T(x) - T(0), g> = <x, T^T g>.
function checkAdjoint(t: Transform, size: number, seed: number) {
  const x = random(size, size, seed);
  const zero = { width: size, height: size, data: new Float32Array(size * size * 3) };
  const tx = t(x, mulberry32(seed + 1));
  const t0 = t(zero, mulberry32(seed + 1));
  const g = random(tx.image.width, tx.image.height, seed + 2);
  const linear = tx.image.data.map((v, i) => v - t0.image.data[i]);
  const back = tx.backward(g);
  expect(back.width).toBe(size);
  expect(dot(linear, g.data)).toBeCloseTo(dot(x.data, back.data), 2);
}

// A fused chain whose first jitter exceeds its pad, so the canvas clips the image itself.
const clippedConfig = { pad: 1, fill: 0.25, firstJitter: 5, scales: [0.8, 1.2], degrees: [-30, 45], lastJitter: 3 };
const clipped = {
  fused: padJitterScaleRotateJitter(clippedConfig),
  composed: compose(pad(1, 0.25), jitter(5), randomScale([0.8, 1.2], 0.25), randomRotate([-30, 45], 0.25), jitter(3)),
};
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('transforms', () => {
  it('pad adds a constant border, jitter crops d px smaller', () => {
    const x = random(4, 4, 1);
    const p = pad(2, 0.5)(x, Math.random).image;
    expect(p.width).toBe(8);
    expect(p.data[0]).toBe(0.5);
    expect(p.data[(2 * 8 + 2) * 3]).toBe(x.data[0]);
    const j = jitter(3)(p, () => 0.99).image;
    expect(j.width).toBe(5);
    // Offset 3 in x and y: j(0,0) = p(3,3) = x(1,1).
    expect(j.data[0]).toBe(x.data[(1 * 4 + 1) * 3]);
  });

  it('scale 1 and rotation 0 are the identity', () => {
    const x = random(10, 10, 3);
    expect(Array.from(randomScale([1])(x, Math.random).image.data)).toEqual(Array.from(x.data));
    const rotated = randomRotate([0])(x, Math.random).image.data;
    rotated.forEach((v, i) => expect(v).toBeCloseTo(x.data[i], 6));
  });

  it('rotating 90 degrees about the centre maps corners onto corners', () => {
    const x = random(5, 5, 4);
    const r = randomRotate([90])(x, Math.random).image;
    // Output (x=0, y=4) samples the source at (4, 4); output (0, 0) samples (0, 4).
    expect(r.data[(4 * 5 + 0) * 3]).toBeCloseTo(x.data[(4 * 5 + 4) * 3], 5);
    expect(r.data[0]).toBeCloseTo(x.data[(4 * 5 + 0) * 3], 5);
  });

  for (const [name, t] of [
    ['pad', pad(3)],
    ['jitter', jitter(4)],
    ['scale', randomScale([0.9, 1.07])],
    ['rotate', randomRotate([-10, 7])],
    ['standard (fused)', standardTransforms],
    ['standard (composed)', composedStandardTransforms],
    ['fused, jitter beyond the pad', clipped.fused],
  ] as const) {
    it(`${name}: backward is the adjoint`, () => checkAdjoint(t, 20, name.length));
  }

  it("Lucid's standard transforms grow a 96 px image to 108 px", () => {
    expect(transformedSize(standardTransforms, 96)).toBe(108);
    expect(compose(pad(1), jitter(2)).describe).toBe('Compose(Pad(1, 0.5), Jitter(2))');
  });

  for (const [name, fused, composed] of [
    ['standard', standardTransforms, composedStandardTransforms],
    ['jitter beyond the pad', clipped.fused, clipped.composed],
  ] as const) {
    it(`fused ${name}: the same image and gradient as the five transforms one by one`, () => {
      for (const [size, seed] of [
        [20, 5],
        [96, 6],
        [80, 7],
        [33, 8],
      ]) {
        const x = random(size, size, seed);
        const a = fused(x, mulberry32(seed + 10));
        const b = composed(x, mulberry32(seed + 10));
        expect(a.image.width).toBe(b.image.width);
        expect(maxDiff(a.image.data, b.image.data)).toBeLessThan(1e-6);
        const g = random(a.image.width, a.image.height, seed + 20);
        expect(maxDiff(a.backward(g).data, b.backward(g).data)).toBeLessThan(1e-5);
      }
    });
  }

  it('fused standard transforms: the gradient of an objective through them matches central differences', () => {
    // f(x) = sum_i w_i T(x)_i^2 / 2, so grad f = T^T (w * T(x)); T is affine, f quadratic.
    const size = 24;
    const x = random(size, size, 31);
    const draws = () => mulberry32(32);
    const out = standardTransforms(x, draws());
    const w = random(out.image.width, out.image.height, 33).data;
    const f = (img: RgbImage) => standardTransforms(img, draws()).image.data.reduce((s, v, i) => s + (w[i] * v * v) / 2, 0);
    const grad = out.backward({ ...out.image, data: out.image.data.map((v, i) => w[i] * v) }).data;
    const v = random(size, size, 34).data.map((r) => r - 0.5);
    const h = 1e-2;
    const shifted = (sign: number) => ({ width: size, height: size, data: x.data.map((xi, i) => xi + sign * h * v[i]) });
    const numeric = (f(shifted(1)) - f(shifted(-1))) / (2 * h);
    expect(numeric).toBeCloseTo(dot(grad, v), 2);
    expect(Math.abs(dot(grad, v))).toBeGreaterThan(0.1);
  });
});
