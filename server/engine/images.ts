import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { EngineError } from '../errors/engine-error.js';
import { checkPngStructure } from './png-structure.js';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGE_SIDE = 4096;

export interface DecodedImage {
  /** RGB 0..255, NHWC, size x size x 3: the network's input contract (PROVENANCE.md). */
  pixels: Float32Array;
  /** The original image's size, before crop and resize. */
  width: number;
  height: number;
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

const isPng = (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

function badImage(message: string): never {
  throw new EngineError('BAD_IMAGE', message);
}

function checkSide(width: number, height: number) {
  if (!(width > 0 && height > 0)) badImage('The image has no pixels.');
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    badImage(`The image is ${width}x${height}; the limit is ${MAX_IMAGE_SIDE} px a side. Downscale it first.`);
  }
}

/** PNG's IHDR holds the size at bytes 16..23: check it before decoding a huge image. */
function pngSize(b: Uint8Array) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return b.length >= 24 ? { width: v.getUint32(16), height: v.getUint32(20) } : { width: 0, height: 0 };
}

function decodeRgba(bytes: Uint8Array): Rgba {
  if (bytes.length === 0) badImage('The image file is empty (0 bytes).');
  if (bytes.length > MAX_IMAGE_BYTES) badImage(`The image is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is 10 MB.`);
  try {
    if (isPng(bytes)) {
      const { width, height } = pngSize(bytes);
      checkSide(width, height);
      checkPngStructure(bytes);
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: (MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 1e6,
        maxMemoryUsageInMB: 512,
      });
      checkSide(img.width, img.height);
      return img;
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    badImage(`The image could not be decoded (${(e as Error).message}).`);
  }
  badImage('The file is not a PNG or JPEG image.');
}

/**
 * Linear (triangle) filter weights from `inSize` samples to `outSize`, widened by the scale when
 * shrinking so every source pixel contributes: bilinear with antialiasing, as ImageMagick's
 * `-resize` (Triangle) and PIL's BILINEAR do. Without it, halving an image just drops pixels.
 */
export function triangleWeights(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  return Array.from({ length: outSize }, (_, o) => {
    const centre = (o + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - support));
    const last = Math.min(inSize - 1, Math.ceil(centre + support));
    const taps: number[] = [];
    const weights: number[] = [];
    for (let i = first; i <= last; i++) {
      const w = 1 - Math.abs(i + 0.5 - centre) / support;
      if (w > 0) {
        taps.push(i);
        weights.push(w);
      }
    }
    const total = weights.reduce((a, b) => a + b, 0);
    return { taps, weights: weights.map((w) => w / total) };
  });
}

/**
 * Centre-crop to a square, then resize to `size` with a linear filter (antialiased when
 * shrinking); alpha is dropped. A size x size image passes through unchanged.
 */
export function toNetworkInput(img: Rgba, size: number): Float32Array {
  const side = Math.min(img.width, img.height);
  const x0 = Math.floor((img.width - side) / 2);
  const y0 = Math.floor((img.height - side) / 2);
  const src = img.data;
  const out = new Float32Array(size * size * 3);
  if (side === size) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = ((y + y0) * img.width + x + x0) * 4;
        out.set([src[s], src[s + 1], src[s + 2]], (y * size + x) * 3);
      }
    }
    return out;
  }
  const filter = triangleWeights(side, size);
  // Horizontal pass: side rows x size columns.
  const rows = new Float32Array(side * size * 3);
  for (let y = 0; y < side; y++) {
    const rowBase = (y + y0) * img.width + x0;
    for (let x = 0; x < size; x++) {
      const { taps, weights } = filter[x];
      let r = 0,
        g = 0,
        b = 0;
      for (let t = 0; t < taps.length; t++) {
        const s = (rowBase + taps[t]) * 4;
        r += src[s] * weights[t];
        g += src[s + 1] * weights[t];
        b += src[s + 2] * weights[t];
      }
      const d = (y * size + x) * 3;
      rows[d] = r;
      rows[d + 1] = g;
      rows[d + 2] = b;
    }
  }
  // Vertical pass.
  for (let y = 0; y < size; y++) {
    const { taps, weights } = filter[y];
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let t = 0; t < taps.length; t++) {
        const s = (taps[t] * size + x) * 3;
        r += rows[s] * weights[t];
        g += rows[s + 1] * weights[t];
        b += rows[s + 2] * weights[t];
      }
      out.set([r, g, b], (y * size + x) * 3);
    }
  }
  return out;
}

/** PNG or JPEG bytes of any size to the network's input; throws BAD_IMAGE with a reason. */
export function decodeImage(bytes: Uint8Array, size = 224): DecodedImage {
  const img = decodeRgba(bytes);
  return { pixels: toNetworkInput(img, size), width: img.width, height: img.height };
}
