import { EngineError } from '../../errors/engine-error.js';
import { resolveLayer, type LayerInfo } from '../layer-info.js';
import type { ModelDescription } from '../model-description.js';
import { readModelFiles, type ModelFiles, type RawNode } from './model-source.js';

export type { LayerInfo } from '../layer-info.js';

/** The ops the BVLC GoogLeNet graph uses (PROVENANCE.md, "Conversion" step 4). */
export type Op =
  | 'Placeholder'
  | 'Const'
  | 'Sub'
  | 'Pad'
  | 'Conv2D'
  | 'BiasAdd'
  | 'Relu'
  | 'MaxPool'
  | 'LRN'
  | 'ConcatV2'
  | 'AvgPool'
  | 'Reshape'
  | 'MatMul'
  | 'Softmax';

export interface NodeAttrs {
  /** [height, width] of the window or stride. */
  kernel?: [number, number];
  strides?: [number, number];
  padding?: 'SAME' | 'VALID';
  /** LRN parameters, TensorFlow's convention. */
  depthRadius?: number;
  bias?: number;
  alpha?: number;
  beta?: number;
}

export interface GraphNode {
  name: string;
  op: Op;
  /** Data inputs only: consts such as weights, paddings, axes and shapes are in `weights`. */
  inputs: string[];
  /** Names of the const inputs, in graph order (e.g. [`mixed4d_1x1_w`] for a conv). */
  params: string[];
  attrs: NodeAttrs;
  /** NHWC shape for one image (batch dimension left out). */
  shape: number[];
}

export interface Tensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * The network as data: nodes in topological order, their weights, the input contract and the
 * layers a user may pick. Executors run this description; nothing here depends on a runtime.
 */
export interface Network {
  name: string;
  dir: string;
  /** float32 [N, 224, 224, 3], RGB, 0..255; the graph subtracts the mean itself (PROVENANCE.md). */
  inputSize: number;
  nodes: GraphNode[];
  byName: Map<string, GraphNode>;
  weights: Map<string, Tensor>;
  layers: LayerInfo[];
  labelsText: string;
  weightsSha256: string;
  logitsNode: string;
}

/** Layers a user can attribute at: every inception block, as the notebook's layer choice. */
export const ATTRIBUTION_LAYERS = [
  'mixed3a',
  'mixed3b',
  'mixed4a',
  'mixed4b',
  'mixed4c',
  'mixed4d',
  'mixed4e',
  'mixed5a',
  'mixed5b',
] as const;
export const LOGITS_NODE = 'softmax2_pre_activation';

const decodeAttrString = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
const hw = (list: { i?: string[] } | undefined): [number, number] | undefined =>
  list?.i ? [Number(list.i[1]), Number(list.i[2])] : undefined;

function decodeWeights(files: ModelFiles): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const buf = files.weightData;
  let offset = 0;
  for (const spec of files.modelJson.weightsManifest.flatMap((g) => g.weights)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    // Views into the one weights buffer, no copies: every element is 4 bytes, so every tensor
    // starts 4-byte aligned (readModelFiles allocates the buffer at offset 0).
    const at = buf.byteOffset + offset;
    const data = spec.dtype === 'int32' ? new Int32Array(buf.buffer, at, size) : new Float32Array(buf.buffer, at, size);
    out.set(spec.name, { shape: spec.shape, data });
    offset += size * 4;
  }
  return out;
}

function outSize(inSize: number, k: number, s: number, padding: 'SAME' | 'VALID') {
  return padding === 'SAME' ? Math.ceil(inSize / s) : Math.floor((inSize - k) / s) + 1;
}

function inferShape(node: GraphNode, byName: Map<string, GraphNode>, weights: Map<string, Tensor>, inputSize: number): number[] {
  const inShape = () => byName.get(node.inputs[0])!.shape;
  switch (node.op) {
    case 'Placeholder':
      return [inputSize, inputSize, 3];
    case 'Sub':
    case 'BiasAdd':
    case 'Relu':
    case 'LRN':
    case 'Softmax':
      return inShape();
    case 'Pad': {
      const p = weights.get(node.params[0])!.data;
      const [h, w, c] = inShape();
      return [h + p[2] + p[3], w + p[4] + p[5], c + p[6] + p[7]];
    }
    case 'Conv2D': {
      const [kh, kw, , co] = weights.get(node.params[0])!.shape;
      const [h, w] = inShape();
      const [sh, sw] = node.attrs.strides!;
      return [outSize(h, kh, sh, node.attrs.padding!), outSize(w, kw, sw, node.attrs.padding!), co];
    }
    case 'MaxPool':
    case 'AvgPool': {
      const [h, w, c] = inShape();
      const [kh, kw] = node.attrs.kernel!;
      const [sh, sw] = node.attrs.strides!;
      return [outSize(h, kh, sh, node.attrs.padding!), outSize(w, kw, sw, node.attrs.padding!), c];
    }
    case 'ConcatV2': {
      const shapes = node.inputs.map((n) => byName.get(n)!.shape);
      return [shapes[0][0], shapes[0][1], shapes.reduce((s, sh) => s + sh[2], 0)];
    }
    case 'Reshape':
      return [Array.from(weights.get(node.params[0])!.data).at(-1)!];
    case 'MatMul':
      return [weights.get(node.params[0])!.shape[1]];
    default:
      throw new EngineError('MODEL_CORRUPT', `The model graph uses op ${node.op} (node ${node.name}), which this engine does not know.`);
  }
}

/** Reads model.json into the network description. */
export function describeNetwork(files: ModelFiles): Network {
  const weights = decodeWeights(files);
  const inputSize = 224;
  const nodes: GraphNode[] = [];
  const byName = new Map<string, GraphNode>();
  for (const raw of files.modelJson.modelTopology.node as RawNode[]) {
    if (raw.op === 'Const') continue;
    const inputs = (raw.input ?? []).filter((n) => !weights.has(n));
    const params = (raw.input ?? []).filter((n) => weights.has(n));
    const a = raw.attr ?? {};
    const attrs: NodeAttrs = {};
    if (a.strides) attrs.strides = hw(a.strides.list);
    if (a.ksize) attrs.kernel = hw(a.ksize.list);
    if (a.padding) attrs.padding = decodeAttrString(a.padding.s) as 'SAME' | 'VALID';
    if (raw.op === 'LRN') {
      attrs.depthRadius = Number(a.depth_radius?.i ?? 5);
      attrs.bias = Number(a.bias?.f ?? 1);
      attrs.alpha = Number(a.alpha?.f ?? 1);
      attrs.beta = Number(a.beta?.f ?? 0.5);
    }
    const missing = inputs.find((n) => !byName.has(n));
    if (missing) throw new EngineError('MODEL_CORRUPT', `model.json in ${files.dir} is not in topological order or lacks node ${missing}.`);
    const node: GraphNode = { name: raw.name, op: raw.op as Op, inputs, params, attrs, shape: [] };
    node.shape = inferShape(node, byName, weights, inputSize);
    nodes.push(node);
    byName.set(node.name, node);
  }
  if (!byName.has(LOGITS_NODE))
    throw new EngineError('MODEL_CORRUPT', `model.json in ${files.dir} has no ${LOGITS_NODE} node; it is not the BVLC GoogLeNet graph.`);
  const layers: LayerInfo[] = files.layersJson
    .filter((l) => byName.has(l.name))
    .map((l) => {
      const s = byName.get(l.name)!.shape;
      return {
        name: l.name,
        caffe: l.caffe,
        channels: s.length === 3 ? s[2] : s[0],
        height: s.length === 3 ? s[0] : 1,
        width: s.length === 3 ? s[1] : 1,
      };
    });
  for (const l of files.layersJson) {
    const info = layers.find((x) => x.name === l.name);
    if (info && info.channels !== l.depth) {
      throw new EngineError('MODEL_CORRUPT', `layers.json says ${l.name} has ${l.depth} channels but the graph gives ${info.channels}.`);
    }
  }
  return {
    name: 'googlenet-bvlc',
    dir: files.dir,
    inputSize,
    nodes,
    byName,
    weights,
    layers,
    labelsText: files.labelsText,
    weightsSha256: files.weightsSha256,
    logitsNode: LOGITS_NODE,
  };
}

export const loadNetwork = (dir?: string, options: { allowUnknownWeights?: boolean } = {}) => describeNetwork(readModelFiles(dir, options));

/**
 * The nodes that compute `output` from `layer`, in topological order, with `layer` as the
 * only input. Throws UNKNOWN_LAYER for a layer a user may not attribute at.
 */
export function cutAt(net: Network, layer: string, output = net.logitsNode): GraphNode[] {
  assertAttributionLayer(net, layer);
  return subgraph(net, layer, output);
}

/** The nodes between `from` (exclusive, e.g. `input`) and `to` (inclusive), in topological order. */
export function subgraph(net: Network, from: string, to: string): GraphNode[] {
  const layer = from;
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name) || name === layer) return;
    needed.add(name);
    for (const i of net.byName.get(name)!.inputs) visit(i);
  };
  visit(to);
  return net.nodes.filter((n) => needed.has(n.name));
}

export function assertAttributionLayer(net: Network, layer: string): LayerInfo {
  return resolveLayer(attributionLayers(net), layer);
}

/** The layers a user may attribute at: the inception blocks, in graph order. */
export const attributionLayers = (net: Network) => net.layers.filter((l) => (ATTRIBUTION_LAYERS as readonly string[]).includes(l.name));

/**
 * Theoretical receptive field (px) of one position of `layer`: along the widest path, each window
 * adds (k-1) times the cumulative stride. Mixed layers' 5x5 branches make it large (mixed4d ~360 px).
 */
export function receptiveField(net: Network, layer: string): number {
  const field = new Map<string, { rf: number; jump: number }>([['input', { rf: 1, jump: 1 }]]);
  for (const n of subgraph(net, 'input', layer)) {
    const ins = n.inputs.map((i) => field.get(i)!);
    const widest = ins.reduce((a, b) => (b.rf > a.rf ? b : a));
    let k = 1;
    let s = 1;
    if (n.op === 'Conv2D') {
      // A missing weight is reported, by name, where the graph is compiled.
      k = net.weights.get(n.params[0])?.shape[0] ?? 1;
      s = n.attrs.strides![0];
    } else if (n.op === 'MaxPool' || n.op === 'AvgPool') {
      k = n.attrs.kernel![0];
      s = n.attrs.strides![0];
    }
    field.set(n.name, { rf: widest.rf + (k - 1) * widest.jump, jump: widest.jump * s });
  }
  return field.get(layer)!.rf;
}

const descriptions = new WeakMap<Network, ModelDescription>();

/** The built-in network as the attribution code sees any model. */
export function describeBuiltin(net: Network): ModelDescription {
  let d = descriptions.get(net);
  if (!d) {
    const layers = attributionLayers(net).map((l) => ({ ...l, receptiveField: receptiveField(net, l.name) }));
    d = { name: net.name, inputSize: net.inputSize, layers, labelsText: net.labelsText };
    descriptions.set(net, d);
  }
  return d;
}

/**
 * The same network fed `size` x `size` images: node shapes re-inferred, weights shared.
 * Feature visualization renders at 64-160 px, where SAME pads and map sizes differ from 224.
 * Nodes past the size's reach (e.g. the 7x7 average pool below 224 px) get sizes < 1: callers check.
 */
export function withInputSize(net: Network, size: number): Network {
  if (!Number.isInteger(size) || size < 32 || size > 1024) {
    throw new EngineError('BAD_ARGUMENT', `An input size must be an integer from 32 to 1024 px, got ${size}.`);
  }
  const nodes: GraphNode[] = [];
  const byName = new Map<string, GraphNode>();
  for (const n of net.nodes) {
    const node: GraphNode = { ...n, shape: [] };
    node.shape = inferShape(node, byName, net.weights, size);
    nodes.push(node);
    byName.set(node.name, node);
  }
  const layers = net.layers.map((l) => {
    const s = byName.get(l.name)!.shape;
    return s.length === 3 ? { ...l, height: s[0], width: s[1] } : l;
  });
  return { ...net, inputSize: size, nodes, byName, layers };
}
