import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../server/engine/attribution/seeded-random.js';
import { compose, jitter, pad, randomRotate, randomScale, standardTransforms, transformedSize, type RgbImage, type Transform } from '../../../../server/engine/feature-vis/transforms.js';

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
    ['pad', pad(3)], ['jitter', jitter(4)], ['scale', randomScale([0.9, 1.07])], ['rotate', randomRotate([-10, 7])], ['standard', standardTransforms],
  ] as const) {
    it(`${name}: backward is the adjoint`, () => checkAdjoint(t, 20, name.length));
  }

  it("Lucid's standard transforms grow a 96 px image to 108 px", () => {
    expect(transformedSize(standardTransforms, 96)).toBe(108);
    expect(compose(pad(1), jitter(2)).describe).toBe('Compose(Pad(1, 0.5), Jitter(2))');
  });
});
