import { describe, expect, it } from 'vitest';
import { caffeFilterToTf, tfFilterToCaffe } from '../../../server/model-fetch/caffejs-layout.js';
import type { ParamLayer } from '../../../server/model-fetch/googlenet-architecture.js';

const f32 = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer);
const floats = (b: Uint8Array) => Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
const layer = (k: number, inChannels: number, outChannels: number, extra: Partial<ParamLayer> = {}): ParamLayer => ({
  name: 't',
  caffe: 't/conv',
  kind: 'conv',
  k,
  inChannels,
  outChannels,
  ...extra,
});

describe('caffejs layout <-> TensorFlow', () => {
  it('transposes a classifier [out][in] to [in][out]', () => {
    // caffe rows are outputs: [[a,b],[c,d],[e,f]] with a..f = 1..6.
    const tf = caffeFilterToTf(layer(1, 2, 3, { kind: 'fc' }), f32([1, 2, 3, 4, 5, 6]));
    expect(floats(tf)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('moves [out][kh][kw][in] to HWIO [kh][kw][in][out]', () => {
    // out 0 holds the 2x2 kernel [[1,2],[3,4]], out 1 holds [[5,6],[7,8]].
    const tf = caffeFilterToTf(layer(2, 1, 2), f32([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(floats(tf)).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
  });

  it('reverses the input channels of the BGR first conv only', () => {
    expect(floats(caffeFilterToTf(layer(1, 3, 1, { bgrInput: true }), f32([10, 20, 30])))).toEqual([30, 20, 10]);
    expect(floats(caffeFilterToTf(layer(1, 3, 1), f32([10, 20, 30])))).toEqual([10, 20, 30]);
  });

  it('is inverted bit for bit by tfFilterToCaffe, NaN payloads included', () => {
    const l = layer(3, 5, 7, { bgrInput: true });
    const bytes = Buffer.alloc(3 * 3 * 5 * 7 * 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    bytes.writeUInt32LE(0x7fc01234, 8); // a NaN with a payload
    const back = tfFilterToCaffe(l, caffeFilterToTf(l, bytes));
    expect(back.equals(bytes)).toBe(true);
    expect(caffeFilterToTf(l, bytes).equals(bytes)).toBe(false);
  });

  it('rejects a file of the wrong length with the layout it expected', () => {
    expect(() => caffeFilterToTf(layer(3, 4, 2), Buffer.alloc(12))).toThrow(/t\/conv: a 2x3x3x4 float32 filter has 288 bytes, got 12/);
  });
});
