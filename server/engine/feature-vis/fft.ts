/**
 * A complex FFT of any length over many independent signals at once ("lanes"), mixed radix
 * (Stockham autosort: radix 4, 2, 3 and 5 butterflies written out, other primes by their DFT;
 * 5 for the 80 px thumbnails, 80 = 4 * 4 * 5).
 * Data are planar [n][lanes]: element k of lane l sits at k * lanes + l, so every inner loop
 * runs over contiguous lanes with the twiddle factor hoisted out. One call transforms a whole
 * batch of image rows or columns; the per-signal loop overhead that dominated a one-signal-
 * at-a-time FFT is paid once per butterfly instead (bench/feature-vis.ts).
 * Unnormalized: `sign` -1 is the forward transform, +1 the inverse.
 */
export class Fft {
  readonly factors: number[] = [];
  /** Per pass: cos/sin of the twiddle for (k = j mod Ns, r), at [k * R + r], for sign -1. */
  private readonly twCos: Float64Array[] = [];
  private readonly twSin: Float64Array[] = [];
  private scratchRe: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private scratchIm: Float32Array<ArrayBufferLike> = new Float32Array(0);

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}.`);
    let rest = n;
    while (rest % 4 === 0) {
      this.factors.push(4);
      rest /= 4;
    }
    for (let p = 2; rest > 1; p++) {
      while (rest % p === 0) {
        this.factors.push(p);
        rest /= p;
      }
    }
    let ns = 1;
    for (const r of this.factors) {
      const c = new Float64Array(ns * r);
      const s = new Float64Array(ns * r);
      for (let k = 0; k < ns; k++) {
        for (let q = 0; q < r; q++) {
          const a = (-2 * Math.PI * k * q) / (ns * r);
          c[k * r + q] = Math.cos(a);
          s[k * r + q] = Math.sin(a);
        }
      }
      this.twCos.push(c);
      this.twSin.push(s);
      ns *= r;
    }
  }

  /** In place on planar (re, im), each [n][lanes]. */
  transform(re: Float32Array, im: Float32Array, lanes: number, sign: 1 | -1) {
    const size = this.n * lanes;
    if (re.length < size || im.length < size) throw new RangeError(`FFT of ${this.n} x ${lanes} needs ${size} values, got ${re.length}.`);
    if (this.scratchRe.length < size) {
      this.scratchRe = new Float32Array(size);
      this.scratchIm = new Float32Array(size);
    }
    let srcRe = re,
      srcIm = im,
      dstRe = this.scratchRe,
      dstIm = this.scratchIm;
    let ns = 1;
    for (let pass = 0; pass < this.factors.length; pass++) {
      const r = this.factors[pass];
      this.pass(r, ns, pass, lanes, sign, srcRe, srcIm, dstRe, dstIm);
      [srcRe, dstRe] = [dstRe, srcRe];
      [srcIm, dstIm] = [dstIm, srcIm];
      ns *= r;
    }
    if (srcRe !== re) {
      re.set(srcRe.subarray(0, size));
      im.set(srcIm.subarray(0, size));
    }
  }

  /**
   * One Stockham pass: for j < n/R, the R inputs j + r*n/R, twiddled by w^(r*(j mod Ns)),
   * go through an R-point DFT into (j div Ns)*Ns*R + (j mod Ns) + q*Ns.
   */
  private pass(
    R: number,
    ns: number,
    pass: number,
    lanes: number,
    sign: 1 | -1,
    xr: Float32Array,
    xi: Float32Array,
    yr: Float32Array,
    yi: Float32Array,
  ) {
    const m = this.n / R;
    const tc = this.twCos[pass];
    const ts = this.twSin[pass];
    for (let j = 0; j < m; j++) {
      const k = j % ns;
      const src = j * lanes;
      const dst = ((j - k) * R + k) * lanes;
      const inStride = m * lanes;
      const outStride = ns * lanes;
      if (R === 4) {
        const c1 = tc[k * 4 + 1],
          s1 = -sign * ts[k * 4 + 1];
        const c2 = tc[k * 4 + 2],
          s2 = -sign * ts[k * 4 + 2];
        const c3 = tc[k * 4 + 3],
          s3 = -sign * ts[k * 4 + 3];
        const a0 = src,
          a1 = src + inStride,
          a2 = a1 + inStride,
          a3 = a2 + inStride;
        const b0 = dst,
          b1 = dst + outStride,
          b2 = b1 + outStride,
          b3 = b2 + outStride;
        for (let l = 0; l < lanes; l++) {
          const x0r = xr[a0 + l],
            x0i = xi[a0 + l];
          const u1r = xr[a1 + l],
            u1i = xi[a1 + l];
          const u2r = xr[a2 + l],
            u2i = xi[a2 + l];
          const u3r = xr[a3 + l],
            u3i = xi[a3 + l];
          const x1r = u1r * c1 - u1i * s1,
            x1i = u1r * s1 + u1i * c1;
          const x2r = u2r * c2 - u2i * s2,
            x2i = u2r * s2 + u2i * c2;
          const x3r = u3r * c3 - u3i * s3,
            x3i = u3r * s3 + u3i * c3;
          const t0r = x0r + x2r,
            t0i = x0i + x2i,
            t1r = x0r - x2r,
            t1i = x0i - x2i;
          const t2r = x1r + x3r,
            t2i = x1i + x3i;
          // (x1 - x3) times sign*i.
          const t3r = -sign * (x1i - x3i),
            t3i = sign * (x1r - x3r);
          yr[b0 + l] = t0r + t2r;
          yi[b0 + l] = t0i + t2i;
          yr[b1 + l] = t1r + t3r;
          yi[b1 + l] = t1i + t3i;
          yr[b2 + l] = t0r - t2r;
          yi[b2 + l] = t0i - t2i;
          yr[b3 + l] = t1r - t3r;
          yi[b3 + l] = t1i - t3i;
        }
      } else if (R === 2) {
        const c1 = tc[k * 2 + 1],
          s1 = -sign * ts[k * 2 + 1];
        const a0 = src,
          a1 = src + inStride,
          b0 = dst,
          b1 = dst + outStride;
        for (let l = 0; l < lanes; l++) {
          const x0r = xr[a0 + l],
            x0i = xi[a0 + l];
          const ur = xr[a1 + l],
            ui = xi[a1 + l];
          const x1r = ur * c1 - ui * s1,
            x1i = ur * s1 + ui * c1;
          yr[b0 + l] = x0r + x1r;
          yi[b0 + l] = x0i + x1i;
          yr[b1 + l] = x0r - x1r;
          yi[b1 + l] = x0i - x1i;
        }
      } else if (R === 3) {
        const c1 = tc[k * 3 + 1],
          s1 = -sign * ts[k * 3 + 1];
        const c2 = tc[k * 3 + 2],
          s2 = -sign * ts[k * 3 + 2];
        const h = (sign * Math.sqrt(3)) / 2;
        const a0 = src,
          a1 = src + inStride,
          a2 = a1 + inStride;
        const b0 = dst,
          b1 = dst + outStride,
          b2 = b1 + outStride;
        for (let l = 0; l < lanes; l++) {
          const x0r = xr[a0 + l],
            x0i = xi[a0 + l];
          const u1r = xr[a1 + l],
            u1i = xi[a1 + l];
          const u2r = xr[a2 + l],
            u2i = xi[a2 + l];
          const x1r = u1r * c1 - u1i * s1,
            x1i = u1r * s1 + u1i * c1;
          const x2r = u2r * c2 - u2i * s2,
            x2i = u2r * s2 + u2i * c2;
          const sr = x1r + x2r,
            si = x1i + x2i;
          const mr = x0r - sr / 2,
            mi = x0i - si / 2;
          // i * sign * sqrt(3)/2 * (x1 - x2)
          const dr = -h * (x1i - x2i),
            di = h * (x1r - x2r);
          yr[b0 + l] = x0r + sr;
          yi[b0 + l] = x0i + si;
          yr[b1 + l] = mr + dr;
          yi[b1 + l] = mi + di;
          yr[b2 + l] = mr - dr;
          yi[b2 + l] = mi - di;
        }
      } else if (R === 5) {
        const tw = [1, 2, 3, 4].map((q) => [tc[k * 5 + q], -sign * ts[k * 5 + q]]);
        const [[c1, s1], [c2, s2], [c3, s3], [c4, s4]] = tw;
        // cos and sign * sin of 2 pi / 5 and 4 pi / 5.
        const k1 = Math.cos((2 * Math.PI) / 5),
          k2 = Math.cos((4 * Math.PI) / 5);
        const h1 = sign * Math.sin((2 * Math.PI) / 5),
          h2 = sign * Math.sin((4 * Math.PI) / 5);
        const a0 = src,
          a1 = src + inStride,
          a2 = a1 + inStride,
          a3 = a2 + inStride,
          a4 = a3 + inStride;
        const b0 = dst,
          b1 = dst + outStride,
          b2 = b1 + outStride,
          b3 = b2 + outStride,
          b4 = b3 + outStride;
        for (let l = 0; l < lanes; l++) {
          const x0r = xr[a0 + l],
            x0i = xi[a0 + l];
          const u1r = xr[a1 + l],
            u1i = xi[a1 + l];
          const u2r = xr[a2 + l],
            u2i = xi[a2 + l];
          const u3r = xr[a3 + l],
            u3i = xi[a3 + l];
          const u4r = xr[a4 + l],
            u4i = xi[a4 + l];
          const x1r = u1r * c1 - u1i * s1,
            x1i = u1r * s1 + u1i * c1;
          const x2r = u2r * c2 - u2i * s2,
            x2i = u2r * s2 + u2i * c2;
          const x3r = u3r * c3 - u3i * s3,
            x3i = u3r * s3 + u3i * c3;
          const x4r = u4r * c4 - u4i * s4,
            x4i = u4r * s4 + u4i * c4;
          // Pairs q and 5 - q share their real parts; their imaginary parts differ in sign.
          const p1r = x1r + x4r,
            p1i = x1i + x4i,
            m1r = x1r - x4r,
            m1i = x1i - x4i;
          const p2r = x2r + x3r,
            p2i = x2i + x3i,
            m2r = x2r - x3r,
            m2i = x2i - x3i;
          const e1r = x0r + k1 * p1r + k2 * p2r,
            e1i = x0i + k1 * p1i + k2 * p2i;
          const e2r = x0r + k2 * p1r + k1 * p2r,
            e2i = x0i + k2 * p1i + k1 * p2i;
          // i * (h1 m1 + h2 m2) and i * (h2 m1 - h1 m2).
          const o1r = -(h1 * m1i + h2 * m2i),
            o1i = h1 * m1r + h2 * m2r;
          const o2r = -(h2 * m1i - h1 * m2i),
            o2i = h2 * m1r - h1 * m2r;
          yr[b0 + l] = x0r + p1r + p2r;
          yi[b0 + l] = x0i + p1i + p2i;
          yr[b1 + l] = e1r + o1r;
          yi[b1 + l] = e1i + o1i;
          yr[b4 + l] = e1r - o1r;
          yi[b4 + l] = e1i - o1i;
          yr[b2 + l] = e2r + o2r;
          yi[b2 + l] = e2i + o2i;
          yr[b3 + l] = e2r - o2r;
          yi[b3 + l] = e2i - o2i;
        }
      } else {
        this.genericButterfly(R, k, src, dst, inStride, outStride, lanes, sign, tc, ts, xr, xi, yr, yi);
      }
    }
  }

  private readonly dfts = new Map<number, { vr: Float64Array; vi: Float64Array; wc: Float64Array; ws: Float64Array }>();

  /** Scratch and the R-th roots of unity for a generic radix. */
  private dft(R: number, sign: 1 | -1) {
    const key = R * sign;
    let d = this.dfts.get(key);
    if (!d) {
      d = {
        vr: new Float64Array(R),
        vi: new Float64Array(R),
        wc: Float64Array.from({ length: R }, (_, q) => Math.cos((2 * Math.PI * q) / R)),
        ws: Float64Array.from({ length: R }, (_, q) => sign * Math.sin((2 * Math.PI * q) / R)),
      };
      this.dfts.set(key, d);
    }
    return d;
  }

  /** Any prime radix: twiddle, then the R-point DFT by its defining sum. */
  private genericButterfly(
    R: number,
    k: number,
    src: number,
    dst: number,
    inStride: number,
    outStride: number,
    lanes: number,
    sign: 1 | -1,
    tc: Float64Array,
    ts: Float64Array,
    xr: Float32Array,
    xi: Float32Array,
    yr: Float32Array,
    yi: Float32Array,
  ) {
    const { vr, vi, wc, ws } = this.dft(R, sign);
    for (let l = 0; l < lanes; l++) {
      for (let r = 0; r < R; r++) {
        const ur = xr[src + r * inStride + l],
          ui = xi[src + r * inStride + l];
        const c = tc[k * R + r],
          s = -sign * ts[k * R + r];
        vr[r] = ur * c - ui * s;
        vi[r] = ur * s + ui * c;
      }
      for (let q = 0; q < R; q++) {
        let sr = 0,
          si = 0;
        for (let r = 0, t = 0; r < R; r++, t = (t + q) % R) {
          sr += vr[r] * wc[t] - vi[r] * ws[t];
          si += vr[r] * ws[t] + vi[r] * wc[t];
        }
        yr[dst + q * outStride + l] = sr;
        yi[dst + q * outStride + l] = si;
      }
    }
  }
}
