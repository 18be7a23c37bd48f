/**
 * A complex FFT of any length, mixed radix (Cooley-Tukey over the length's prime factors, a
 * direct butterfly per factor). Image sides here are 64-256 px with small factors, so this is
 * O(n log n) in practice. Unnormalized: `sign` -1 is the forward transform, +1 the inverse.
 */
export class Fft {
  private readonly factors: number[] = [];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}.`);
    let rest = n;
    for (let p = 2; rest > 1; p++) {
      while (rest % p === 0) {
        this.factors.push(p);
        rest /= p;
      }
      if (p * p > rest && rest > 1) {
        this.factors.push(rest);
        rest = 1;
      }
    }
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    const maxP = Math.max(1, ...this.factors);
    this.scratchRe = new Float64Array(maxP);
    this.scratchIm = new Float64Array(maxP);
    this.outRe = new Float64Array(n);
    this.outIm = new Float64Array(n);
  }

  /** In place on (re, im) read from `offset` with `stride` (a row or a column of a 2-D array). */
  transform(re: Float64Array, im: Float64Array, sign: 1 | -1, offset = 0, stride = 1) {
    this.work(0, re, im, offset, stride, 1, 0, sign);
    for (let k = 0; k < this.n; k++) {
      re[offset + k * stride] = this.outRe[k];
      im[offset + k * stride] = this.outIm[k];
    }
  }

  /** Transforms the input elements at inOff + j * inStride * fstride into out[outOff .. outOff + m*p). */
  private work(outOff: number, re: Float64Array, im: Float64Array, inOff: number, inStride: number, fstride: number, fi: number, sign: 1 | -1) {
    const p = this.factors[fi] ?? 1;
    const m = this.n / (fstride * p);
    if (fi >= this.factors.length) {
      this.outRe[outOff] = re[inOff];
      this.outIm[outOff] = im[inOff];
      return;
    }
    for (let q = 0; q < p; q++) this.work(outOff + q * m, re, im, inOff + q * fstride * inStride, inStride, fstride * p, fi + 1, sign);
    const { outRe, outIm, scratchRe, scratchIm, cos, sin, n } = this;
    for (let u = 0; u < m; u++) {
      for (let q = 0; q < p; q++) {
        scratchRe[q] = outRe[outOff + u + q * m];
        scratchIm[q] = outIm[outOff + u + q * m];
      }
      for (let q1 = 0; q1 < p; q1++) {
        const k = u + q1 * m;
        let sr = 0;
        let si = 0;
        for (let q = 0; q < p; q++) {
          const t = (k * q * fstride) % n;
          const c = cos[t];
          const s = sign * sin[t];
          sr += scratchRe[q] * c - scratchIm[q] * s;
          si += scratchRe[q] * s + scratchIm[q] * c;
        }
        outRe[outOff + k] = sr;
        outIm[outOff + k] = si;
      }
    }
  }
}
