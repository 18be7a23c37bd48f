import type { ParamLayer } from './googlenet-architecture.js';

/**
 * The caffejs weight layout (PROVENANCE.md, "Source and licence"): a conv filter is stored
 * `[out][kh][kw][in]` (Caffe's `[out][in][kh][kw]` with axes swapped), the classifier
 * `[out][in]` = `[1000][1024]`, a bias `[out]`; raw little-endian float32, no header.
 * TensorFlow wants HWIO `[kh][kw][in][out]` and `[in][out]`. Both directions live here so the
 * inverse used by tests and by the manifest derivation is the exact mirror of the conversion.
 */

/** caffejs filter bytes -> TensorFlow weight bytes; reverses conv1's input channels (BGR -> RGB). */
export function caffeFilterToTf(layer: ParamLayer, bytes: Uint8Array): Buffer {
  return permute(layer, bytes, 'toTf');
}

/** TensorFlow weight bytes -> caffejs filter bytes (the inverse transform; RGB -> BGR for conv1). */
export function tfFilterToCaffe(layer: ParamLayer, bytes: Uint8Array): Buffer {
  return permute(layer, bytes, 'toCaffe');
}

export const filterLength = (l: ParamLayer) => l.k * l.k * l.inChannels * l.outChannels;

/**
 * Moves whole 4-byte words and never reads them as numbers, so every bit (NaN payloads
 * included) survives and the host's byte order does not matter.
 */
function permute(layer: ParamLayer, bytes: Uint8Array, direction: 'toTf' | 'toCaffe'): Buffer {
  const { k, inChannels: I, outChannels: O } = layer;
  const n = filterLength(layer);
  if (bytes.byteLength !== n * 4) {
    const layout = layer.kind === 'fc' ? `${O}x${I}` : `${O}x${k}x${k}x${I}`;
    throw new Error(`${layer.caffe}: a ${layout} float32 filter has ${n * 4} bytes, got ${bytes.byteLength}.`);
  }
  const src = new Uint32Array(n);
  new Uint8Array(src.buffer).set(bytes);
  const out = new Uint32Array(n);
  for (let h = 0; h < k; h++) {
    for (let w = 0; w < k; w++) {
      for (let i = 0; i < I; i++) {
        const ci = layer.bgrInput ? I - 1 - i : i;
        const tfBase = ((h * k + w) * I + i) * O;
        for (let o = 0; o < O; o++) {
          const caffe = ((o * k + h) * k + w) * I + ci;
          if (direction === 'toTf') out[tfBase + o] = src[caffe];
          else out[caffe] = src[tfBase + o];
        }
      }
    }
  }
  return Buffer.from(out.buffer);
}
