import { describe, expect, it } from 'vitest';
import { Fft } from '../../../../server/engine/feature-vis/fft.js';
import { FftImage } from '../../../../server/engine/feature-vis/fft-image.js';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';

// Oracle: the DFT's defining sum, evaluated directly.
function naiveDft(re: number[], im: number[], sign: number) {
  const n = re.length;
  const outRe = new Array(n).fill(0);
  const outIm = new Array(n).fill(0);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * k * j) / n;
      outRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      outIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return { outRe, outIm };
}

describe('Fft', () => {
  // 80 = 4*4*5 and 98 = 2*7*7 reach the generic radix; 96 = 4*4*2*3 every written-out one.
  for (const n of [1, 2, 3, 7, 12, 64, 80, 96, 98]) {
    it(`length ${n} matches the direct DFT both ways, on every lane`, () => {
      const r = mulberry32(n);
      const lanes = 3;
      const re = Float32Array.from({ length: n * lanes }, () => r() - 0.5);
      const im = Float32Array.from({ length: n * lanes }, () => r() - 0.5);
      for (const sign of [-1, 1] as const) {
        const a = Float32Array.from(re);
        const b = Float32Array.from(im);
        new Fft(n).transform(a, b, lanes, sign);
        for (let l = 0; l < lanes; l++) {
          const lane = (v: Float32Array) => Array.from({ length: n }, (_, k) => v[k * lanes + l]);
          const { outRe, outIm } = naiveDft(lane(re), lane(im), sign);
          for (let k = 0; k < n; k++) {
            expect(a[k * lanes + l]).toBeCloseTo(outRe[k], 5);
            expect(b[k * lanes + l]).toBeCloseTo(outIm[k], 5);
          }
        }
      }
    });
  }

  it('refuses too short an array', () => {
    expect(() => new Fft(4).transform(new Float32Array(7), new Float32Array(7), 2, 1)).toThrow(RangeError);
  });
});

describe('FftImage', () => {
  const H = 6;
  const W = 8;
  const img = new FftImage(H, W);
  const r = mulberry32(7);
  // Three items: the real transform along x pairs rows across items, so an odd count is the harder case.
  const items = 3;
  const params = Float32Array.from({ length: items * img.paramsPerChannel }, () => r() - 0.5);

  it('is numpy irfft2 of the scaled half-spectrum, divided by 4, for every item', () => {
    const out = new Float32Array(items * H * W);
    img.toSpatial(params, items, out);
    for (let it = 0; it < items; it++) checkItem(it, out.subarray(it * H * W));
  });

  function checkItem(item: number, out: Float32Array) {
    const P = img.paramsPerChannel * item;
    // Oracle: numpy's irfft2 written out: a complex inverse DFT along y, then along x the real
    // inverse of a half-spectrum (imaginary parts at kx = 0 and W/2 dropped, the rest counted twice).
    const half = W / 2 + 1;
    for (let y = 0; y < H; y++) {
      const zRe: number[] = [];
      const zIm: number[] = [];
      for (let kx = 0; kx < half; kx++) {
        let re = 0,
          im = 0;
        for (let ky = 0; ky < H; ky++) {
          const i = ky * half + kx;
          const sr = params[P + 2 * i] * img.scale[i];
          const si = params[P + 2 * i + 1] * img.scale[i];
          const a = (2 * Math.PI * ky * y) / H;
          re += sr * Math.cos(a) - si * Math.sin(a);
          im += sr * Math.sin(a) + si * Math.cos(a);
        }
        zRe.push(re);
        zIm.push(im);
      }
      for (let x = 0; x < W; x++) {
        let v = zRe[0] + zRe[W / 2] * (x % 2 ? -1 : 1);
        for (let kx = 1; kx < W / 2; kx++) {
          const a = (2 * Math.PI * kx * x) / W;
          v += 2 * (zRe[kx] * Math.cos(a) - zIm[kx] * Math.sin(a));
        }
        expect(out[y * W + x]).toBeCloseTo(v / (H * W), 4);
      }
    }
  }

  it("Lucid's scale: sqrt(H*W) / max(|f|, 1/max(H,W)), over 4", () => {
    expect(img.scale[0]).toBeCloseTo((Math.sqrt(48) * 8) / 4, 5);
    expect(img.scale[1]).toBeCloseTo(Math.sqrt(48) / (1 / 8) / 4, 5);
    // ky = 3 is fftfreq -3/6 = -0.5.
    expect(img.scale[3 * (W / 2 + 1)]).toBeCloseTo(Math.sqrt(48) / 0.5 / 4, 5);
  });

  it('spatialGradToParams is the adjoint of toSpatial: <A p, g> = <p, A^T g>', () => {
    const g = Float32Array.from({ length: items * H * W }, () => r() - 0.5);
    const out = new Float32Array(items * H * W);
    img.toSpatial(params, items, out);
    const dp = new Float32Array(params.length);
    img.spatialGradToParams(g, items, dp);
    const lhs = out.reduce((s, v, i) => s + v * g[i], 0);
    const rhs = params.reduce((s, v, i) => s + v * dp[i], 0);
    expect(lhs).toBeCloseTo(rhs, 4);
  });

  it('refuses odd sides', () => {
    expect(() => new FftImage(9, 8)).toThrow(/even/);
  });
});
