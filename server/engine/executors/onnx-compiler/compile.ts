import { createHash } from 'node:crypto';
import { EngineError } from '../../../errors/engine-error.js';
import { assertAttributionLayer, cutAt, subgraph, type GraphNode } from '../../network/network.js';
import { lowerBackward, type BackwardLowering, type ConvGradForm } from './backward-rules.js';
import { lowerForward, type Lowering } from './forward-rules.js';
import { GraphBuilder } from './graph-builder.js';
import type { PoolGradForm } from './max-pool-grad.js';
import type { OnnxWeights } from './weights.js';

/**
 * The graphs an executor needs. Every one takes a dynamic batch `B`, so one session per
 * (kind, layer) serves every batch size.
 * - `gradient`: acts [B,H,W,C], score_weights [1000], lse_weight [1] -> grad [B,H,W,C], logits [B,1000]
 * - `logits`: acts [B,H,W,C] -> logits [B,1000]
 * - `activations`: image [B,224,224,3] -> acts [B,H,W,C]
 * - `image-logits`: image [B,224,224,3] -> logits [B,1000]
 * - `layer-gradient` (layer key `from>to`, layerPairKey): acts [B,H1,W1,C1] of `from`, seed
 *   [B,H2,W2,C2] -> grad [B,H1,W1,C1] = d sum(seed * to(acts)) / d acts, later [B,H2,W2,C2] = to(acts)
 */
export type GraphKind = 'gradient' | 'logits' | 'activations' | 'image-logits' | 'layer-gradient';

/**
 * The session key of an `activations` graph with one output per layer (`acts0`, `acts1`, ... in
 * the order given): several layers' activations from one forward pass.
 */
export const layerSetKey = (layers: readonly string[]) => layers.join(',');

/** The session key of a layer-to-layer gradient graph. */
export const layerPairKey = (from: string, to: string) => `${from}>${to}`;

export interface CompileOptions {
  convGrad?: ConvGradForm;
  poolGrad?: PoolGradForm;
}

const BATCH = 'B';
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** What a session cache compiles graphs from: a model's identity, and its compiler. */
export interface GraphSource {
  /** sha256 of the weights (or of the whole model file) and of the graph they plug into: the on-disk cache key. */
  readonly identity: { weightsSha256: string; topology: string };
  compile(kind: GraphKind, layer: string, options: CompileOptions): Uint8Array;
}

const topologies = new WeakMap<OnnxWeights, string>();

/** The built-in network's graphs, compiled from its description. */
export function builtinGraphs(w: OnnxWeights): GraphSource {
  return {
    get identity() {
      let t = topologies.get(w);
      if (!t) {
        const net = w.network;
        const nodes = net.nodes.map((n) => [n.name, n.op, n.inputs, n.params, n.attrs, n.shape]);
        t = createHash('sha256')
          .update(JSON.stringify([net.inputSize, net.logitsNode, nodes]))
          .digest('hex');
        topologies.set(w, t);
      }
      return { weightsSha256: w.network.weightsSha256, topology: t };
    },
    compile: (kind, layer, options) => compileGraph(w, kind, layer, options),
  };
}

export function compileGraph(w: OnnxWeights, kind: GraphKind, layer: string, options: CompileOptions = {}): Uint8Array {
  const net = w.network;
  if (kind === 'gradient') return compileGradient(w, layer, options);
  if (kind === 'layer-gradient') return compileLayerGradient(w, layer, options);
  const b = new GraphBuilder(`${kind}_${layer}`);
  const l: Lowering = { b, net, w, values: new Map(), poolIndices: new Map(), withIndices: false };
  const fromImage = kind === 'activations' || kind === 'image-logits';
  const outputs = kind === 'activations' ? layer.split(',') : [net.logitsNode];
  for (const to of outputs) if (!net.byName.has(to)) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${to}".`);
  // Every node any output needs, once, in the network's order.
  const needed = new Set(fromImage ? outputs.flatMap((to) => subgraph(net, 'input', to)) : cutAt(net, layer));
  const nodes = net.nodes.filter((n) => needed.has(n));
  if (fromImage) {
    const s = net.inputSize;
    l.values.set('input', b.op1('Transpose', [b.input('image', [BATCH, s, s, 3])], { perm: TO_NCHW }));
  } else {
    feedLayer(l, layer);
  }
  for (const n of nodes) lowerForward(l, n);
  if (kind === 'activations' && outputs.length === 1) emitNhwc(l, layer, 'acts');
  else if (kind === 'activations') outputs.forEach((to, i) => emitNhwc(l, to, `acts${i}`));
  else emitLogits(l);
  return b.toBytes();
}

function backwardLowering(w: OnnxWeights, name: string, options: CompileOptions): BackwardLowering {
  const poolGrad = options.poolGrad ?? 'routed';
  return {
    b: new GraphBuilder(name),
    net: w.network,
    w,
    values: new Map(),
    poolIndices: new Map(),
    withIndices: poolGrad === 'indices',
    convGrad: options.convGrad ?? 'flipped-conv',
    poolGrad,
  };
}

/**
 * Reverse-mode through `nodes` (topological order) from the given output gradients down to
 * `layer`: sums the gradients a node receives from every consumer, then applies its rule.
 */
function backwardTo(l: BackwardLowering, nodes: GraphNode[], seeds: [string, string][], layer: string, reach: string): string {
  const { b } = l;
  const pending = new Map<string, string[]>(seeds.map(([name, g]) => [name, [g]]));
  // Pairwise Adds, not one Sum: ORT folds an Add of a conv's output into the conv itself (it
  // accumulates into the other operand's buffer), which a many-input Sum does not get.
  const gradientOf = (name: string) => {
    const parts = pending.get(name);
    if (!parts) return undefined;
    return parts.reduce((sum, g, k) => (k === 0 ? g : b.op1('Add', [sum, g], {}, `${name}_grad_sum`)));
  };
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node: GraphNode = nodes[k];
    const dy = gradientOf(node.name);
    if (!dy) continue;
    for (const [input, g] of lowerBackward(l, node, dy)) {
      const list = pending.get(input);
      if (list) list.push(g);
      else pending.set(input, [g]);
    }
  }
  const grad = gradientOf(layer);
  if (!grad) throw new EngineError('UNKNOWN_LAYER', `Layer ${layer} does not reach ${reach}.`);
  return grad;
}

function compileGradient(w: OnnxWeights, layer: string, options: CompileOptions): Uint8Array {
  const net = w.network;
  const nodes = cutAt(net, layer);
  const l = backwardLowering(w, `gradient_${layer}`, options);
  const { b } = l;
  feedLayer(l, layer);
  for (const n of nodes) lowerForward(l, n);
  const logits = l.values.get(net.logitsNode)!;
  const classes = net.byName.get(net.logitsNode)!.shape[0];

  // dScore/dlogits = score_weights + lse_weight * softmax(logits): a one-hot difference for two
  // classes, softmax for logsumexp (+1 or -1), zero for none; one session serves every score.
  const scoreWeights = b.input('score_weights', [classes]);
  const lseWeight = b.input('lse_weight', [1]);
  const softmax = b.op1('Softmax', [logits], { axis: 1 });
  const dLogits = b.op1('Add', [b.op1('Mul', [softmax, lseWeight]), scoreWeights], {}, 'dlogits');

  l.values.set(`${layer}:grad`, backwardTo(l, nodes, [[net.logitsNode, dLogits]], layer, 'the logits'));
  emitNhwc(l, `${layer}:grad`, 'grad', net.byName.get(layer)!.shape);
  emitLogits(l);
  return b.toBytes();
}

/**
 * The vector-Jacobian product of the sub-network `from` -> `to` with a seed per batch item (the
 * objective's gradient at `to`, NHWC): one backward pass per item, the same rules as `gradient`.
 */
function compileLayerGradient(w: OnnxWeights, pair: string, options: CompileOptions): Uint8Array {
  const net = w.network;
  const [from, to] = pair.split('>');
  if (!from || !to) throw new EngineError('UNKNOWN_LAYER', `"${pair}" is not a from>to layer pair.`);
  assertAttributionLayer(net, from);
  assertAttributionLayer(net, to);
  const nodes = subgraph(net, from, to);
  if (nodes.some((n) => n.op === 'Placeholder')) throw new EngineError('BAD_ARGUMENT', `${to} is not computed from ${from}.`);
  const l = backwardLowering(w, `layer_gradient_${from}_${to}`, options);
  const { b } = l;
  feedLayer(l, from);
  for (const n of nodes) lowerForward(l, n);
  const [h, wd, c] = net.byName.get(to)!.shape;
  const seed = b.op1('Transpose', [b.input('seed', [BATCH, h, wd, c])], { perm: TO_NCHW }, 'seed_nchw');
  l.values.set(`${from}:grad`, backwardTo(l, nodes, [[to, seed]], from, to));
  emitNhwc(l, `${from}:grad`, 'grad', net.byName.get(from)!.shape);
  emitNhwc(l, to, 'later');
  return b.toBytes();
}

function feedLayer(l: Lowering, layer: string) {
  const [h, w, c] = l.net.byName.get(layer)!.shape;
  l.values.set(layer, l.b.op1('Transpose', [l.b.input('acts', [BATCH, h, w, c])], { perm: TO_NCHW }));
}

function emitNhwc(l: Lowering, value: string, output: string, shape = l.net.byName.get(value)!.shape) {
  const v = l.b.op1('Transpose', [l.values.get(value)!], { perm: TO_NHWC }, output);
  l.b.output(v, [BATCH, ...shape]);
}

function emitLogits(l: Lowering) {
  const v = l.b.op1('Identity', [l.values.get(l.net.logitsNode)!], {}, 'logits');
  l.b.output(v, [BATCH, l.net.byName.get(l.net.logitsNode)!.shape[0]]);
}
