import p from 'onnx-proto';
import { EngineError } from '../../errors/engine-error.js';

const { onnx } = p;
const DT = onnx.TensorProto.DataType;

/** The element types an imported graph may hold as constants (float32 compute; integer and bool shape values). */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * A constant: an initializer, a Constant node, or a value folded at import. float32 data stays a
 * Float32Array (a view into the model file where alignment allows, never copied twice); every
 * other type is held as plain numbers, which is exact for the shape arithmetic it feeds.
 */
export interface ConstantTensor {
  dtype: DType;
  dims: number[];
  data: Float32Array | number[];
  /** The little-endian bytes the data came from, where `data` is only made from them when first read. */
  raw?: Uint8Array;
}

const ONNX_TO_DTYPE: Partial<Record<number, DType>> = {
  [DT.FLOAT]: 'float32',
  [DT.DOUBLE]: 'float64',
  [DT.INT64]: 'int64',
  [DT.INT32]: 'int32',
  [DT.INT16]: 'int16',
  [DT.INT8]: 'int8',
  [DT.UINT8]: 'uint8',
  [DT.BOOL]: 'bool',
};

const DTYPE_TO_ONNX: Record<DType, number> = {
  float32: DT.FLOAT,
  float64: DT.DOUBLE,
  int64: DT.INT64,
  int32: DT.INT32,
  int16: DT.INT16,
  int8: DT.INT8,
  uint8: DT.UINT8,
  bool: DT.BOOL,
};

export const onnxTypeOf = (dtype: DType) => DTYPE_TO_ONNX[dtype];
export const dtypeOfOnnx = (t: number): DType | undefined => ONNX_TO_DTYPE[t];
export const dtypeName = (t: number) => onnx.TensorProto.DataType[t] ?? `type ${t}`;

/** protobufjs gives int64 fields as Long objects; shapes and attributes fit in a double. */
export const toNumber = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : (v as { toNumber(): number }).toNumber();

export const elementCount = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export function floatTensor(data: Float32Array, dims: number[]): ConstantTensor {
  return { dtype: 'float32', dims, data };
}

export function intTensor(values: number[], dims: number[] = [values.length], dtype: DType = 'int64'): ConstantTensor {
  return { dtype, dims, data: values };
}

/** The values as numbers (any type). */
export const numbersOf = (t: ConstantTensor): number[] => Array.from(t.data as ArrayLike<number>);

/**
 * Decodes a TensorProto whose bytes are in the message (`external` supplies the bytes of one
 * stored outside it, already read and checked by the caller). Throws MODEL_CORRUPT on a size
 * mismatch or an unsupported element type, naming the tensor.
 */
export function decodeTensor(t: p.onnx.ITensorProto, where: string, external?: Uint8Array): ConstantTensor {
  const dims = (t.dims ?? []).map(toNumber);
  const dtype = dtypeOfOnnx(t.dataType ?? 0);
  const name = t.name || where;
  if (!dtype) {
    throw new EngineError(
      'BAD_MODEL',
      `Tensor ${name} has element type ${dtypeName(t.dataType ?? 0)}; imported models must compute in float32 (export in float32, not float16).`,
      { tensor: name },
    );
  }
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new EngineError('BAD_MODEL', `Tensor ${name} has invalid dims [${dims}].`);
  const n = elementCount(dims);
  const raw = external ?? (t.rawData && t.rawData.byteLength > 0 ? t.rawData : undefined);
  const width = { float32: 4, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 }[dtype];
  if (raw) {
    if (raw.byteLength !== n * width) {
      throw new EngineError('BAD_MODEL', `Tensor ${name} holds ${raw.byteLength} bytes but its dims [${dims}] need ${n * width}.`, {
        tensor: name,
      });
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (dtype === 'float32') {
      // A view into the file when aligned (no copy of the weights). Otherwise the bytes are kept and
      // copied into floats only when a rule reads them: most weights are only written back into
      // the compiled graphs, and copying them all took most of a large model's import.
      if (raw.byteOffset % 4 === 0) return { dtype, dims, data: new Float32Array(raw.buffer, raw.byteOffset, n) };
      let floats: Float32Array | undefined;
      return {
        dtype,
        dims,
        raw,
        get data() {
          if (!floats) {
            // (Buffer.slice would be a view again: copy explicitly.)
            const copy = new Uint8Array(raw.byteLength);
            copy.set(raw);
            floats = new Float32Array(copy.buffer, 0, n);
          }
          return floats;
        },
      };
    }
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const o = i * width;
      out[i] =
        dtype === 'float64'
          ? view.getFloat64(o, true)
          : dtype === 'int64'
            ? Number(view.getBigInt64(o, true))
            : dtype === 'int32'
              ? view.getInt32(o, true)
              : dtype === 'int16'
                ? view.getInt16(o, true)
                : dtype === 'int8'
                  ? view.getInt8(o)
                  : view.getUint8(o);
    }
    return { dtype, dims, data: out };
  }
  const list: ArrayLike<unknown> =
    dtype === 'float32'
      ? (t.floatData ?? [])
      : dtype === 'float64'
        ? (t.doubleData ?? [])
        : dtype === 'int64'
          ? (t.int64Data ?? [])
          : (t.int32Data ?? []);
  if (list.length !== n) {
    throw new EngineError('BAD_MODEL', `Tensor ${name} holds ${list.length} values but its dims [${dims}] need ${n}.`, {
      tensor: name,
    });
  }
  if (dtype === 'float32') return { dtype, dims, data: Float32Array.from(list as ArrayLike<number>) };
  return { dtype, dims, data: Array.from(list, toNumber) };
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * A number as int64. Exporters write INT64_MAX for "to the end" (Slice ends); as a double it
 * reads 2^63, one past the largest int64, so it is clamped back rather than wrapped to INT64_MIN.
 */
function toInt64(x: number): bigint {
  const v = BigInt(Math.trunc(x));
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/** The TensorProto of a constant, float32 bytes shared with `t.data`. */
export function encodeTensor(name: string, t: ConstantTensor): p.onnx.ITensorProto {
  const base = { name, dims: t.dims, dataType: onnxTypeOf(t.dtype) };
  if (t.raw) return { ...base, rawData: t.raw };
  if (t.data instanceof Float32Array) return { ...base, rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
  const v = t.data;
  switch (t.dtype) {
    case 'float32':
      return { ...base, rawData: new Uint8Array(Float32Array.from(v).buffer) };
    case 'float64':
      return { ...base, rawData: new Uint8Array(Float64Array.from(v).buffer) };
    case 'int64':
      return { ...base, rawData: new Uint8Array(BigInt64Array.from(v, toInt64).buffer) };
    case 'int32':
      return { ...base, rawData: new Uint8Array(Int32Array.from(v).buffer) };
    case 'int16':
      return { ...base, rawData: new Uint8Array(Int16Array.from(v).buffer) };
    case 'int8':
      return { ...base, rawData: new Uint8Array(Int8Array.from(v).buffer) };
    default:
      return { ...base, rawData: Uint8Array.from(v) };
  }
}
