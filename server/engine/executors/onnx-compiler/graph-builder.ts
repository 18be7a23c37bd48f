import p from 'onnx-proto';

const { onnx } = p;

/**
 * IR 8 with opset 18: ORT 1.30 rejects IR 14, and opset 13 lacks ScatterElements' `reduction`,
 * which the max-pool gradient's scatter-add needs.
 */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 18;

export type AttrValue = number | number[] | string | { float: number };

/** A dimension: a number, or a name for a dynamic one (the batch). */
export type Dim = number | string;

/**
 * Accumulates ONNX nodes, initializers, inputs and outputs, and serialises them to a model.
 * Names are unique per graph: `fresh(hint)` numbers repeats.
 */
export class GraphBuilder {
  private readonly nodes: p.onnx.INodeProto[] = [];
  private readonly initializers: p.onnx.ITensorProto[] = [];
  private readonly inputs: p.onnx.IValueInfoProto[] = [];
  private readonly outputs: p.onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly shared = new Map<Float32Array, { name: string; dims: string }>();

  constructor(
    readonly name: string,
    private readonly opset = ONNX_OPSET,
  ) {}

  /** Reserves a name exactly as it is (a value or node of an imported graph), so `fresh` never reuses it. */
  reserve(name: string): string {
    this.used.add(name);
    return name;
  }

  /** Adds a node exactly as given (an imported graph's own node, its names reserved). */
  rawNode(node: p.onnx.INodeProto) {
    if (node.name) this.used.add(node.name);
    for (const o of node.output ?? []) if (o) this.used.add(o);
    this.nodes.push(node);
  }

  /**
   * An initializer under exactly this name. float32 `data` (shared with the tensor's bytes) is
   * registered so `floats` of the same array and dims returns this name instead of a copy.
   */
  initializer(t: p.onnx.ITensorProto, data?: Float32Array) {
    this.used.add(t.name!);
    if (data && !this.shared.has(data)) this.shared.set(data, { name: t.name!, dims: (t.dims ?? []).join('x') });
    this.initializers.push(t);
  }

  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_/.:-]/g, '_');
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}__${k}`;
    this.used.add(name);
    return name;
  }

  input(name: string, dims: Dim[], type: 'float' | 'int64' = 'float'): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  output(name: string, dims: Dim[], type: 'float' | 'int64' = 'float') {
    this.outputs.push(valueInfo(name, dims, type));
  }

  /**
   * A float32 initializer; the bytes are shared with `data`, not copied. The same array with the
   * same dims gives the same initializer, so forward and backward share weights.
   */
  floats(hint: string, data: Float32Array, dims: number[]): string {
    const seen = this.shared.get(data);
    if (seen && seen.dims === dims.join('x')) return seen.name;
    const name = this.fresh(hint);
    if (!seen) this.shared.set(data, { name, dims: dims.join('x') });
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A small int64 initializer (shapes, axes, split sizes), deduplicated by value. */
  ints(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.fresh('const_i64');
    const bytes = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(bytes.buffer) });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant, deduplicated by value. */
  scalar(value: number): string {
    const key = `f32:${value}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.floats('const_f32', new Float32Array([value]), []);
    this.constants.set(key, name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` gives their hints; one output by default). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: string[] = [opType]): string[] {
    const outNames = outputs.map((o) => (o === '' ? '' : this.fresh(o)));
    this.nodes.push({
      opType,
      input: inputs,
      output: outNames,
      name: this.fresh(`node_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outNames;
  }

  /** Shorthand for a single-output node. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = opType): string {
    return this.op(opType, inputs, attrs, [hint])[0];
  }

  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      // Later opsets need a later IR (opset 19-20: IR 9, 21: IR 10).
      irVersion: this.opset <= 18 ? ONNX_IR_VERSION : this.opset <= 20 ? 9 : 10,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: 'channel-attribution',
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: Dim[], type: 'float' | 'int64'): p.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): p.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.FLOAT, f: v.float };
}
