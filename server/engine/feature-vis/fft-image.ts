import { EngineError } from '../../errors/engine-error.js';
import { Fft } from './fft.js';

/**
 * An image parameterized by its 2-D Fourier coefficients (Lucid's `param.fft_image`, as used by
 * `param.image(fft=True)`; Olah et al., "Feature Visualization", Distill 2017, "Preconditioning
 * and parameterization"). Each coefficient is scaled by 1/frequency, so gradient steps move
 * low frequencies as readily as high ones and the optimum is not high-frequency noise.
 *
 * Layout: params [item][channel][ky 0..H-1][kx 0..W/2][re, im]; the image is real, [H][W] per
 * channel, as numpy's irfft2: a complex inverse transform along y, then a real (C2R) one along
 * x, which drops the imaginary parts left at kx = 0 and kx = W/2.
 */
export class FftImage {
  readonly half: number;
  /** Per-frequency scale, [H][W/2+1]. */
  readonly scale: Float64Array;
  private readonly fftH: Fft;
  private readonly fftW: Fft;
  private readonly colRe: Float64Array;
  private readonly colIm: Float64Array;
  private readonly rowRe: Float64Array;
  private readonly rowIm: Float64Array;

  /**
   * `decayPower` 1 and the final division by 4 are Lucid's defaults; sqrt(H*W) makes the
   * transform unitary-like, so Adam's step size means the same as for pixels.
   */
  constructor(readonly height: number, readonly width: number, readonly decayPower = 1) {
    if (width % 2 !== 0 || height % 2 !== 0) throw new EngineError('BAD_ARGUMENT', `Sprite sides must be even, got ${width}x${height}.`);
    this.half = width / 2 + 1;
    this.fftH = new Fft(height);
    this.fftW = new Fft(width);
    this.scale = new Float64Array(height * this.half);
    const floor = 1 / Math.max(width, height);
    for (let ky = 0; ky < height; ky++) {
      const fy = (ky <= height / 2 - 1 ? ky : ky - height) / height; // numpy fftfreq order
      for (let kx = 0; kx < this.half; kx++) {
        const fx = kx / width;
        const f = Math.max(Math.hypot(fx, fy), floor);
        this.scale[ky * this.half + kx] = (Math.sqrt(width * height) / f ** decayPower) / 4;
      }
    }
    this.colRe = new Float64Array(height * this.half);
    this.colIm = new Float64Array(height * this.half);
    this.rowRe = new Float64Array(width);
    this.rowIm = new Float64Array(width);
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

  /** One channel's spatial values [H][W] from its params (at `offset` in `params`). */
  toSpatial(params: Float32Array, offset: number, out: Float32Array, outOffset = 0, outStride = 1) {
    const { height: H, width: W, half, colRe, colIm, rowRe, rowIm } = this;
    for (let i = 0; i < H * half; i++) {
      colRe[i] = params[offset + 2 * i] * this.scale[i];
      colIm[i] = params[offset + 2 * i + 1] * this.scale[i];
    }
    // Inverse along y for every kx column, then C2R along x for every row.
    for (let kx = 0; kx < half; kx++) this.fftH.transform(colRe, colIm, 1, kx, half);
    for (let y = 0; y < H; y++) {
      for (let kx = 0; kx < half; kx++) {
        const re = colRe[y * half + kx];
        const im = kx === 0 || kx === half - 1 ? 0 : colIm[y * half + kx];
        rowRe[kx] = re;
        rowIm[kx] = im;
        if (kx > 0 && kx < half - 1) {
          rowRe[W - kx] = re;
          rowIm[W - kx] = -im;
        }
      }
      this.fftW.transform(rowRe, rowIm, 1);
      for (let x = 0; x < W; x++) out[outOffset + (y * W + x) * outStride] = rowRe[x] / (H * W);
    }
  }

  /** Adds d(loss)/d(params) to `dParams` at `offset`, given d(loss)/d(spatial) [H][W]: the adjoint of toSpatial. */
  spatialGradToParams(dSpatial: Float32Array, dOffset: number, dStride: number, dParams: Float32Array, offset: number) {
    const { height: H, width: W, half, colRe, colIm, rowRe, rowIm } = this;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        rowRe[x] = dSpatial[dOffset + (y * W + x) * dStride];
        rowIm[x] = 0;
      }
      this.fftW.transform(rowRe, rowIm, -1);
      for (let kx = 0; kx < half; kx++) {
        const edge = kx === 0 || kx === half - 1;
        const c = (edge ? 1 : 2) / (H * W);
        colRe[y * half + kx] = c * rowRe[kx];
        colIm[y * half + kx] = edge ? 0 : c * rowIm[kx];
      }
    }
    for (let kx = 0; kx < half; kx++) this.fftH.transform(colRe, colIm, -1, kx, half);
    for (let i = 0; i < H * half; i++) {
      dParams[offset + 2 * i] += colRe[i] * this.scale[i];
      dParams[offset + 2 * i + 1] += colIm[i] * this.scale[i];
    }
  }
}
