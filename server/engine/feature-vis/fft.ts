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
    // Radix 4 first: its butterfly has no multiplications inside.
    while (rest % 4 === 0) {
      this.factors.push(4);
      rest /= 4;
    }
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
    if (p === 2) {
      for (let u = 0; u < m; u++) {
        const a = outOff + u;
        const bIdx = a + m;
        const t = u * fstride;
        const c = cos[t];
        const s = sign * sin[t];
        const br = outRe[bIdx] * c - outIm[bIdx] * s;
        const bi = outRe[bIdx] * s + outIm[bIdx] * c;
        outRe[bIdx] = outRe[a] - br;
        outIm[bIdx] = outIm[a] - bi;
        outRe[a] += br;
        outIm[a] += bi;
      }
      return;
    }
    if (p === 4) {
      for (let u = 0; u < m; u++) {
        const i0 = outOff + u;
        const i1 = i0 + m;
        const i2 = i1 + m;
        const i3 = i2 + m;
        const t1 = u * fstride;
        const t2 = 2 * t1;
        const t3 = 3 * t1;
        // Twiddled inputs.
        const x0r = outRe[i0], x0i = outIm[i0];
        const x1r = outRe[i1] * cos[t1] - outIm[i1] * sign * sin[t1], x1i = outRe[i1] * sign * sin[t1] + outIm[i1] * cos[t1];
        const x2r = outRe[i2] * cos[t2] - outIm[i2] * sign * sin[t2], x2i = outRe[i2] * sign * sin[t2] + outIm[i2] * cos[t2];
        const x3r = outRe[i3] * cos[t3] - outIm[i3] * sign * sin[t3], x3i = outRe[i3] * sign * sin[t3] + outIm[i3] * cos[t3];
        const ar = x0r + x2r, ai = x0i + x2i, br = x0r - x2r, bi = x0i - x2i;
        const cr = x1r + x3r, ci = x1i + x3i;
        // (x1 - x3) times sign*i.
        const dr = -sign * (x1i - x3i), di = sign * (x1r - x3r);
        outRe[i0] = ar + cr; outIm[i0] = ai + ci;
        outRe[i1] = br + dr; outIm[i1] = bi + di;
        outRe[i2] = ar - cr; outIm[i2] = ai - ci;
        outRe[i3] = br - dr; outIm[i3] = bi - di;
      }
      return;
    }
    for (let u = 0; u < m; u++) {
      for (let q = 0; q < p; q++) {
        scratchRe[q] = outRe[outOff + u + q * m];
        scratchIm[q] = outIm[outOff + u + q * m];
      }
      for (let q1 = 0; q1 < p; q1++) {
        const k = u + q1 * m;
        const step = (k * fstride) % n;
        let sr = 0;
        let si = 0;
        for (let q = 0, t = 0; q < p; q++, t = (t + step) % n) {
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
