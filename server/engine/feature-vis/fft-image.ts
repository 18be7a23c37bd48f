import { EngineError } from '../../errors/engine-error.js';
import { Fft } from './fft.js';

/**
 * Images parameterized by their 2-D Fourier coefficients (Lucid's `param.fft_image`, as used by
 * `param.image(fft=True)`; Olah et al., "Feature Visualization", Distill 2017, "Preconditioning
 * and parameterization"). Each coefficient is scaled by 1/frequency, so gradient steps move
 * low frequencies as readily as high ones and the optimum is not high-frequency noise.
 *
 * Layout: params [item][ky 0..H-1][kx 0..W/2][re, im], one item per image channel; the spatial
 * values are real, [item][H][W], as numpy's irfft2: a complex inverse transform along y, then a
 * real (C2R) one along x, which drops the imaginary parts left at kx = 0 and kx = W/2.
 *
 * Every item of a batch goes through each FFT pass together (fft.ts), and the real transform
 * along x runs two rows per complex FFT (one as the real part, one as the imaginary part), so
 * the cost per image falls with the batch instead of staying at one image's loop overhead.
 */
export class FftImage {
  readonly half: number;
  /** Per-frequency scale, [H][W/2+1]. */
  readonly scale: Float32Array;
  private readonly fftH: Fft;
  private readonly fftW: Fft;
  private buffers = {
    items: 0,
    colRe: new Float32Array(0),
    colIm: new Float32Array(0),
    rowRe: new Float32Array(0),
    rowIm: new Float32Array(0),
  };

  /**
   * `decayPower` 1 and the final division by 4 are Lucid's defaults; sqrt(H*W) makes the
   * transform unitary-like, so Adam's step size means the same as for pixels.
   */
  constructor(
    readonly height: number,
    readonly width: number,
    readonly decayPower = 1,
  ) {
    if (width % 2 !== 0 || height % 2 !== 0) throw new EngineError('BAD_ARGUMENT', `Sprite sides must be even, got ${width}x${height}.`);
    this.half = width / 2 + 1;
    this.fftH = new Fft(height);
    this.fftW = new Fft(width);
    this.scale = new Float32Array(height * this.half);
    const floor = 1 / Math.max(width, height);
    for (let ky = 0; ky < height; ky++) {
      const fy = (ky <= height / 2 - 1 ? ky : ky - height) / height; // numpy fftfreq order
      for (let kx = 0; kx < this.half; kx++) {
        const fx = kx / width;
        const f = Math.max(Math.hypot(fx, fy), floor);
        this.scale[ky * this.half + kx] = Math.sqrt(width * height) / f ** decayPower / 4;
      }
    }
  }

  /** Parameters per image channel: H * (W/2+1) complex numbers. */
  get paramsPerChannel() {
    return this.height * this.half * 2;
  }

  /** Lucid's start: N(0, sd^2) coefficients, sd = 0.01, so the image starts near grey. */
  initialParams(channels: number, normal: () => number, sd = 0.01): Float32Array {
    const p = new Float32Array(channels * this.paramsPerChannel);
    for (let i = 0; i < p.length; i++) p[i] = sd * normal();
    return p;
  }

  private scratch(items: number) {
    if (this.buffers.items !== items) {
      const col = this.height * this.half * items;
      const row = this.width * ((items * this.height) / 2);
      this.buffers = {
        items,
        colRe: new Float32Array(col),
        colIm: new Float32Array(col),
        rowRe: new Float32Array(row),
        rowIm: new Float32Array(row),
      };
    }
    return this.buffers;
  }

  /** The spatial values [item][H][W] of `items` channels from their params. */
  toSpatial(params: Float32Array, items: number, out: Float32Array) {
    const { height: H, width: W, half, scale } = this;
    const { colRe, colIm, rowRe, rowIm } = this.scratch(items);
    const P = this.paramsPerChannel;
    // Spectra as [ky][item, kx], scaled; then the inverse along y for every (item, kx) at once.
    const L1 = items * half;
    for (let ky = 0; ky < H; ky++) {
      for (let it = 0; it < items; it++) {
        const from = it * P + ky * half * 2;
        const to = ky * L1 + it * half;
        for (let kx = 0; kx < half; kx++) {
          const s = scale[ky * half + kx];
          colRe[to + kx] = params[from + 2 * kx] * s;
          colIm[to + kx] = params[from + 2 * kx + 1] * s;
        }
      }
    }
    this.fftH.transform(colRe, colIm, L1, 1);
    // Rows (item, y) are the signals along x; rows p and p + Lh share one complex FFT (z = a + i b).
    const Lh = (items * H) / 2;
    for (let q = 0; q < Lh; q++) {
      const a = this.colOffset(q, L1);
      const b = this.colOffset(q + Lh, L1);
      for (let kx = 0; kx < W; kx++) {
        // Hermitian extension: X[W - k] = conj(X[k]); imaginary parts at 0 and W/2 dropped.
        const k = kx < half ? kx : W - kx;
        const conj = kx < half ? 1 : -1;
        const edge = k === 0 || k === half - 1;
        const ar = colRe[a + k],
          ai = edge ? 0 : conj * colIm[a + k];
        const br = colRe[b + k],
          bi = edge ? 0 : conj * colIm[b + k];
        rowRe[kx * Lh + q] = ar - bi;
        rowIm[kx * Lh + q] = ai + br;
      }
    }
    this.fftW.transform(rowRe, rowIm, Lh, 1);
    const norm = 1 / (H * W);
    for (let q = 0; q < Lh; q++) {
      const a = q * W;
      const b = (q + Lh) * W;
      for (let x = 0; x < W; x++) {
        out[a + x] = rowRe[x * Lh + q] * norm;
        out[b + x] = rowIm[x * Lh + q] * norm;
      }
    }
  }

  /** Offset in the [ky or y][item, kx] layout of row p = item * H + y. */
  private colOffset(p: number, L1: number) {
    const it = Math.floor(p / this.height);
    const y = p - it * this.height;
    return y * L1 + it * this.half;
  }

  /** Sets `dParams` to d(loss)/d(params), given d(loss)/d(spatial) [item][H][W]: the adjoint of toSpatial. */
  spatialGradToParams(dSpatial: Float32Array, items: number, dParams: Float32Array) {
    const { height: H, width: W, half, scale } = this;
    const { colRe, colIm, rowRe, rowIm } = this.scratch(items);
    const P = this.paramsPerChannel;
    const Lh = (items * H) / 2;
    for (let q = 0; q < Lh; q++) {
      const a = q * W;
      const b = (q + Lh) * W;
      for (let x = 0; x < W; x++) {
        rowRe[x * Lh + q] = dSpatial[a + x];
        rowIm[x * Lh + q] = dSpatial[b + x];
      }
    }
    this.fftW.transform(rowRe, rowIm, Lh, -1);
    // Split the two real rows' spectra: A = (Z[k] + conj Z[-k]) / 2, B = (Z[k] - conj Z[-k]) / 2i;
    // then the adjoint of the Hermitian extension: kx = 0 and W/2 once (real part only), the rest twice.
    const L1 = items * half;
    const norm = 1 / (H * W);
    for (let q = 0; q < Lh; q++) {
      const a = this.colOffset(q, L1);
      const b = this.colOffset(q + Lh, L1);
      for (let kx = 0; kx < half; kx++) {
        const k2 = (W - kx) % W;
        const zr = rowRe[kx * Lh + q],
          zi = rowIm[kx * Lh + q];
        const nr = rowRe[k2 * Lh + q],
          ni = rowIm[k2 * Lh + q];
        const edge = kx === 0 || kx === half - 1;
        const c = (edge ? 1 : 2) * norm * 0.5;
        colRe[a + kx] = c * (zr + nr);
        colIm[a + kx] = edge ? 0 : c * (zi - ni);
        colRe[b + kx] = c * (zi + ni);
        colIm[b + kx] = edge ? 0 : -c * (zr - nr);
      }
    }
    this.fftH.transform(colRe, colIm, L1, -1);
    for (let ky = 0; ky < H; ky++) {
      for (let it = 0; it < items; it++) {
        const to = it * P + ky * half * 2;
        const from = ky * L1 + it * half;
        for (let kx = 0; kx < half; kx++) {
          const s = scale[ky * half + kx];
          dParams[to + 2 * kx] = colRe[from + kx] * s;
          dParams[to + 2 * kx + 1] = colIm[from + kx] * s;
        }
      }
    }
  }
}
