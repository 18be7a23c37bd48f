import p from 'onnx-proto';
import { EngineError } from '../../errors/engine-error.js';
import { decodeTensor, dtypeName, dtypeOfOnnx, intTensor, toNumber, type ConstantTensor } from './constant-tensor.js';

const { onnx } = p;
const AT = onnx.AttributeProto.AttributeType;

/** A decoded node attribute, typed so it can be written back exactly as it was. */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: ConstantTensor };

/** One node of an imported graph, in the opset-18 form of its operator (canonicalised at import). */
export interface OnnxNode {
  /** The node's name; a made-up unique one where the file has none. */
  name: string;
  op: string;
  /** Value names; '' for an optional input left out. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attribute>;
}

/** The one image input the graph reads. */
export interface GraphInput {
  name: string;
  /** Dims as declared: a number, or null where dynamic (a dim_param or nothing). */
  dims: (number | null)[];
}

/** An imported graph: nodes in topological order, constants by value name, one input, its outputs. */
export interface OnnxGraph {
  nodes: OnnxNode[];
  constants: Map<string, ConstantTensor>;
  input: GraphInput;
  outputs: string[];
  /** The default-domain opset the file was exported with. */
  opset: number;
}

/** Opsets whose operator forms the importer knows; a file outside is refused with a hint. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 21;

const bad = (message: string, details: Record<string, unknown> = {}): never => {
  throw new EngineError('BAD_MODEL', message, details);
};

export const intAttr = (n: OnnxNode, name: string, fallback: number): number => {
  const a = n.attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
};
export const floatAttr = intAttr;
export const intsAttr = (n: OnnxNode, name: string, fallback: number[] = []): number[] => {
  const a = n.attrs[name];
  return a && (a.type === 'ints' || a.type === 'floats') ? a.value : fallback;
};
export const stringAttr = (n: OnnxNode, name: string, fallback: string): string => {
  const a = n.attrs[name];
  return a && a.type === 'string' ? a.value : fallback;
};

function decodeAttribute(a: p.onnx.IAttributeProto, node: string): Attribute | undefined {
  switch (a.type) {
    case AT.INT:
      return { type: 'int', value: toNumber(a.i ?? 0) };
    case AT.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case AT.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(toNumber) };
    case AT.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case AT.STRING:
      return { type: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array()) };
    case AT.TENSOR:
      return { type: 'tensor', value: decodeTensor(a.t!, `${node}.${a.name}`) };
    case AT.GRAPH:
    case AT.GRAPHS:
      return bad(
        `Node ${node} holds a subgraph (attribute ${a.name}): control flow (If, Loop, Scan) is not supported in an image classifier.`,
        {
          node,
        },
      );
    default:
      // STRINGS, TENSORS, SPARSE_TENSOR and type protos appear only in ops the table refuses anyway.
      return undefined;
  }
}

/** Encodes an attribute for a node the compiler writes back into a graph. */
export function encodeAttribute(
  name: string,
  a: Attribute,
  encodeTensor: (t: ConstantTensor) => p.onnx.ITensorProto,
): p.onnx.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AT.INT, i: a.value };
    case 'float':
      return { name, type: AT.FLOAT, f: a.value };
    case 'ints':
      return { name, type: AT.INTS, ints: a.value };
    case 'floats':
      return { name, type: AT.FLOATS, floats: a.value };
    case 'string':
      return { name, type: AT.STRING, s: new TextEncoder().encode(a.value) };
    case 'tensor':
      return { name, type: AT.TENSOR, t: encodeTensor(a.value) };
  }
}

const dimsOf = (v: p.onnx.IValueInfoProto): (number | null)[] | null => {
  const t = v.type?.tensorType;
  if (!t?.shape) return null;
  return (t.shape.dim ?? []).map((d) =>
    d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : null,
  );
};

/**
 * Reads the graph of a parsed model: checks the opset and operator domains, decodes constants,
 * finds the one image input, canonicalises each node to its opset-18 form, and orders the nodes
 * topologically (refusing a cycle, naming a node on it). Throws BAD_MODEL with one sentence.
 */
export function readGraph(model: p.onnx.ModelProto): OnnxGraph {
  const g = model.graph!;
  const opset = toNumber(model.opsetImport!.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  if (!opset) bad('The model imports no version of the default ONNX operator set.');
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    bad(`The model uses ONNX opset ${opset}; the importer reads opsets ${MIN_OPSET} to ${MAX_OPSET} (re-export with opset_version=17).`, {
      opset,
    });
  }
  const constants = new Map<string, ConstantTensor>();
  for (const t of g.initializer ?? []) {
    if (!t.name) bad('The model has an initializer without a name.');
    constants.set(t.name!, decodeTensor(t, t.name!));
  }

  const inputs = (g.input ?? []).filter((v) => !constants.has(v.name ?? ''));
  if (inputs.length !== 1) {
    bad(
      inputs.length === 0
        ? 'The model has no input: an image classifier reads one image tensor.'
        : `The model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); an image classifier reads one image tensor.`,
      { inputs: inputs.map((i) => i.name) },
    );
  }
  const input = inputs[0];
  const inputType = input.type?.tensorType?.elemType ?? 0;
  const dims = dimsOf(input);
  if (dtypeOfOnnx(inputType) !== 'float32' || !dims || dims.length !== 4) {
    bad(
      `The model's input ${input.name} is ${dtypeName(inputType)} ${dims ? `[${dims.map((d) => d ?? '?').join(', ')}]` : 'of unknown shape'}; an image classifier reads one float32 image tensor [1, 3, H, W] (or [1, H, W, 3]).`,
      { input: input.name },
    );
  }
  if (dims![0] !== null && dims![0] !== 1)
    bad(`The model's input ${input.name} has a fixed batch of ${dims![0]}; export it with batch 1 (or a dynamic batch).`);

  const outputs = (g.output ?? []).map((o) => o.name ?? '');
  if (outputs.length === 0) bad('The model has no output.');

  const nodes: OnnxNode[] = [];
  const names = new Set<string>();
  (g.node ?? []).forEach((n, i) => {
    const op = n.opType ?? '';
    let name = n.name || `${op}_${i}`;
    while (names.has(name)) name = `${name}_${i}`;
    names.add(name);
    if (n.domain && n.domain !== 'ai.onnx') {
      bad(`Node ${name} is ${op} from the custom operator domain "${n.domain}"; only standard ONNX operators can be differentiated.`, {
        node: name,
        op,
        domain: n.domain,
      });
    }
    const attrs: Record<string, Attribute> = {};
    for (const a of n.attribute ?? []) {
      const v = decodeAttribute(a, name);
      if (v && a.name) attrs[a.name] = v;
    }
    nodes.push({ name, op, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs });
  });

  const sorted = topologicalOrder(nodes, new Set([input.name!, ...constants.keys()]));
  for (const n of sorted) canonicalise(n, opset, constants);
  const rename = (v: string) => (RESERVED_NAMES.has(v) ? `${v}__model` : v);
  for (const n of sorted) {
    n.inputs = n.inputs.map(rename);
    n.outputs = n.outputs.map(rename);
  }
  for (const k of [...constants.keys()].filter((k) => RESERVED_NAMES.has(k))) {
    constants.set(rename(k), constants.get(k)!);
    constants.delete(k);
  }
  return { nodes: sorted, constants, input: { name: rename(input.name!), dims: dims! }, outputs: outputs.map(rename), opset };
}

/**
 * The inputs and outputs of the compiled graphs. A model value of one of these names (a graph
 * output called `logits`, an input called `image`) is renamed inside, so the two never clash.
 */
const RESERVED_NAMES = new Set([
  'image',
  'acts',
  'seed',
  'score_weights',
  'lse_weight',
  'channel_weights',
  'logits',
  'grad',
  'later',
  'objective',
  'activation',
]);

/**
 * Kahn's algorithm over value names. Throws on a value no node, input or initializer makes, on
 * a value made twice, and on a cycle (naming one node on it).
 */
function topologicalOrder(nodes: OnnxNode[], available: Set<string>): OnnxNode[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || available.has(o))
        bad(`Value ${o} is produced twice (by ${n.name} and before it): the graph is malformed.`, { value: o });
      producer.set(o, n);
    }
  }
  const waiting = new Map<OnnxNode, number>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    const needs = new Set(n.inputs.filter((i) => i && !available.has(i)));
    for (const i of needs) {
      if (!producer.has(i))
        bad(`Node ${n.name} (${n.op}) reads ${i}, which no node, input or initializer provides.`, { node: n.name, value: i });
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
    waiting.set(n, needs.size);
  }
  // Ready nodes in file order, so a graph already in order keeps it.
  const index = new Map(nodes.map((n, i) => [n, i]));
  const ready = nodes.filter((n) => waiting.get(n) === 0);
  const out: OnnxNode[] = [];
  while (ready.length) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const n = ready.shift()!;
    out.push(n);
    for (const o of n.outputs) {
      for (const c of consumers.get(o) ?? []) {
        const left = waiting.get(c)! - 1;
        waiting.set(c, left);
        if (left === 0) ready.push(c);
      }
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((n) => waiting.get(n)! > 0);
    bad(`The graph has a cycle through node ${stuck[0].name} (${stuck[0].op}); an ONNX graph must be acyclic.`, {
      node: stuck[0].name,
    });
  }
  return out;
}

const REDUCE_OPS = new Set([
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
]);

/**
 * Rewrites a node in place into its opset-18 form, so the operator rules and the compiled
 * graphs (written at opset 18 or later) read one form: attributes that later opsets take as
 * inputs (Reduce* and Squeeze/Unsqueeze axes, Split sizes, Clip bounds) become constant
 * inputs; Dropout in inference is Identity.
 */
function canonicalise(n: OnnxNode, opset: number, constants: Map<string, ConstantTensor>) {
  const attrToInput = (attr: string, at: number, make: (a: Attribute) => ConstantTensor) => {
    const a = n.attrs[attr];
    if (!a) return;
    delete n.attrs[attr];
    const name = `${n.name}::${attr}`;
    constants.set(name, make(a));
    while (n.inputs.length < at) n.inputs.push('');
    n.inputs[at] = name;
  };
  const ints = (a: Attribute) => intTensor(a.type === 'ints' ? a.value : [a.value as number]);
  const scalar = (a: Attribute): ConstantTensor => ({ dtype: 'float32', dims: [], data: new Float32Array([a.value as number]) });
  if (REDUCE_OPS.has(n.op) && opset < 18) attrToInput('axes', 1, ints);
  if (n.op === 'ReduceSum' && opset < 13) attrToInput('axes', 1, ints);
  if ((n.op === 'Squeeze' || n.op === 'Unsqueeze') && opset < 13) attrToInput('axes', 1, ints);
  if (n.op === 'Split') {
    if (opset < 13) attrToInput('split', 1, ints);
    if (!n.inputs[1] && !n.attrs.num_outputs) n.attrs.num_outputs = { type: 'int', value: n.outputs.length };
  }
  if (n.op === 'Clip' && opset < 11) {
    attrToInput('min', 1, scalar);
    attrToInput('max', 2, scalar);
  }
  if (n.op === 'Dropout') {
    if (n.outputs.length > 1 && n.outputs[1])
      bad(`Node ${n.name} (Dropout) uses its mask output; export the model in eval mode.`, { node: n.name });
    n.op = 'Identity';
    n.inputs = [n.inputs[0]];
    n.outputs = [n.outputs[0]];
    n.attrs = {};
  }
}
