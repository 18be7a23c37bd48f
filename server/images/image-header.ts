import { EngineError } from '../errors/engine-error.js';
import { MAX_IMAGE_BYTES, MAX_IMAGE_SIDE } from '../engine/images.js';

export interface ImageHeader {
  mime: 'image/png' | 'image/jpeg';
  width: number;
  height: number;
}

/**
 * Type and size from the first bytes of a PNG or JPEG, without decoding it: cheap enough for the
 * main thread, and it rejects a huge or foreign file before a worker spends time on it.
 * The full decode (in a worker) still has the last word.
 */
export function readImageHeader(b: Uint8Array): ImageHeader {
  if (b.length === 0) throw new EngineError('BAD_IMAGE', 'The image file is empty (0 bytes).');
  if (b.length > MAX_IMAGE_BYTES) {
    throw new EngineError('BAD_IMAGE', `The image is ${(b.length / 1048576).toFixed(1)} MB; the limit is 10 MB.`);
  }
  const header = pngHeader(b) ?? jpegHeader(b);
  if (!header) throw new EngineError('BAD_IMAGE', 'The file is not a PNG or JPEG image.');
  if (!(header.width > 0 && header.height > 0)) throw new EngineError('BAD_IMAGE', 'The image has no pixels.');
  if (header.width > MAX_IMAGE_SIDE || header.height > MAX_IMAGE_SIDE) {
    throw new EngineError(
      'BAD_IMAGE',
      `The image is ${header.width}x${header.height}; the limit is ${MAX_IMAGE_SIDE} px a side. Downscale it first.`,
    );
  }
  return header;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** PNG: 8-byte signature, then the IHDR chunk with width and height at bytes 16..23. */
function pngHeader(b: Uint8Array): ImageHeader | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 24 || sig.some((v, i) => b[i] !== v)) return null;
  return { mime: 'image/png', width: view(b).getUint32(16), height: view(b).getUint32(20) };
}

/** JPEG: walk the marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG, DAC). */
function jpegHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  const v = view(b);
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = v.getUint16(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { mime: 'image/jpeg', height: v.getUint16(i + 5), width: v.getUint16(i + 7) };
    i += 2 + length;
  }
  return { mime: 'image/jpeg', width: 0, height: 0 };
}
