import { EngineError } from '../../errors/engine-error.js';
import type { GraphKind } from '../executors/onnx-compiler/compile.js';
import { GraphBuilder, ONNX_OPSET } from '../executors/onnx-compiler/graph-builder.js';
import { resolveLayer } from '../layer-info.js';
import { encodeTensor } from './constant-tensor.js';
import type { ImportedModel } from './imported-model.js';
import { encodeAttribute, type OnnxNode } from './onnx-graph.js';
import { ruleFor, type GradContext } from './operator-rules.js';

const BATCH = 'B';
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/**
 * A graph being written from an imported model: its own forward nodes, as they are after
 * folding (names kept, so ONNX Runtime's optimisations and the on-disk graph cache work on them
 * as on the built-in graphs), the constants they read, and backward nodes from the operator rules.
 */
export class ImportedGraphWriter {
  readonly b: GraphBuilder;
  private readonly emitted = new Set<string>();
  private readonly saved = new Map<string, string>();

  constructor(
    readonly m: ImportedModel,
    name: string,
  ) {
    // The file's opset, or 18 where the backward ops need it (ScatterElements' reduction).
    this.b = new GraphBuilder(name, Math.max(ONNX_OPSET, m.opset));
    // The model's own names first, so no name the writer makes up collides with one written later.
    for (const n of m.graph.nodes) {
      this.b.reserve(n.name);
      for (const o of n.outputs) if (o) this.b.reserve(o);
    }
    for (const c of m.graph.constants.keys()) this.b.reserve(c);
    this.b.reserve(m.graph.input);
  }

  shapeOf(value: string): number[] {
    const s = this.m.graph.shapes.get(value) ?? this.m.graph.constants.get(value)?.dims;
    if (!s) throw new EngineError('BAD_MODEL', `Value ${value} has no known shape.`);
    return s;
  }

  /**
   * The nodes that compute `target` from `from` (the values given), in topological order.
   * Throws when one of them reads the image input that `from` should have replaced: the
   * target depends on more than `from`.
   */
  nodesBetween(from: Set<string>, target: string, what: string): OnnxNode[] {
    const g = this.m.graph;
    const needed = new Set<OnnxNode>();
    const stack = [target];
    const seen = new Set<string>();
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v) || from.has(v)) continue;
      seen.add(v);
      if (v === g.input) {
        throw new EngineError('BAD_ARGUMENT', `${what} depends on the input image other than through the layer.`, { value: target });
      }
      const n = g.producer.get(v);
      if (!n) continue;
      needed.add(n);
      for (const i of n.inputs) if (i && !g.constants.has(i)) stack.push(i);
    }
    return g.nodes.filter((n) => needed.has(n));
  }

  /** Writes the nodes (each by its rule's `forward` where it has one) and the constants they read. */
  forward(nodes: OnnxNode[], differentiated: Set<OnnxNode>) {
    const { b } = this;
    for (const node of nodes) {
      for (const i of node.inputs) this.constant(i);
      const emit = (outputs = node.outputs) =>
        b.rawNode({
          name: node.name,
          opType: node.op,
          input: node.inputs,
          output: outputs,
          attribute: Object.entries(node.attrs).map(([k, a]) => encodeAttribute(k, a, (t) => encodeTensor('', t))),
        });
      const rule = ruleFor(node);
      if (rule.forward) {
        rule.forward({ b, node, differentiated: differentiated.has(node), emit, save: (k, v) => this.saved.set(`${node.name}:${k}`, v) });
      } else emit();
    }
  }

  private constant(name: string) {
    if (!name || this.emitted.has(name)) return;
    const t = this.m.graph.constants.get(name);
    if (!t) return;
    this.emitted.add(name);
    // Rules refer to a weight by its value name; their own constants (flipped filters, factors) are new arrays.
    this.b.initializer(encodeTensor(name, t));
  }

  /** The image input, RGB 0..255 NHWC, preprocessed into the model's input value (rescale, normalise, layout). */
  image(inputName = 'image', size = this.m.inputSize): string {
    const { b, m } = this;
    const p = m.preprocessing;
    const image = b.input(inputName, [BATCH, size, size, 3]);
    const nchw = p.layout === 'NCHW';
    const x = nchw ? b.op1('Transpose', [image], { perm: TO_NCHW }) : image;
    return this.normalise(x, size);
  }

  /** x * (scale / std) - mean / std per channel, into the model's input value; x is in the model's layout. */
  normalise(x: string, size: number): string {
    const { b, m } = this;
    const p = m.preprocessing;
    if (size !== m.inputSize) throw new EngineError('BAD_ARGUMENT', `The model takes ${m.inputSize} px images, got ${size}.`);
    const dims = p.layout === 'NCHW' ? [1, 3, 1, 1] : [1, 1, 1, 3];
    const gain = b.floats(
      'preprocess_gain',
      Float32Array.from(p.std, (s) => p.scale / s),
      dims,
    );
    const offset = b.floats(
      'preprocess_offset',
      Float32Array.from(p.mean, (mu, i) => mu / p.std[i]),
      dims,
    );
    const scaled = b.op1('Mul', [x, gain]);
    b.reserve(m.graph.input);
    b.rawNode({ name: b.fresh('preprocess_normalise'), opType: 'Sub', input: [scaled, offset], output: [m.graph.input] });
    return m.graph.input;
  }

  /** The activations input `acts` [B, H, W, C], as the layer's NCHW value. */
  acts(tensor: string, inputName = 'acts'): void {
    const { b } = this;
    const [, c, h, w] = this.shapeOf(tensor);
    const nhwc = b.input(inputName, [BATCH, h, w, c]);
    b.reserve(tensor);
    b.rawNode({
      name: b.fresh(`${inputName}_to_nchw`),
      opType: 'Transpose',
      input: [nhwc],
      output: [tensor],
      attribute: [encodeAttribute('perm', { type: 'ints', value: TO_NCHW }, (t) => encodeTensor('', t))],
    });
  }

  /** Writes an NCHW value as the NHWC output `name` [B, H, W, C]. */
  outputNhwc(value: string, name: string, shape = this.shapeOf(value)) {
    const [, c, h, w] = shape;
    this.b.output(this.b.op1('Transpose', [value], { perm: TO_NHWC }, name), [BATCH, h, w, c]);
  }

  outputLogits() {
    const classes = this.m.classes;
    this.b.output(this.b.op1('Identity', [this.m.logits], {}, 'logits'), [BATCH, classes]);
  }

  /**
   * Reverse mode through `nodes` (topological order) from the seeds down to `wrt`: sums the
   * gradients each value receives from its consumers, then applies its node's rule.
   */
  backward(nodes: OnnxNode[], seeds: [string, string][], wrt: string): string {
    return this.backwardTo(nodes, seeds, [wrt])[0];
  }

  /** `backward` to several values at once (each gets d output / d value, the others held fixed). */
  backwardTo(nodes: OnnxNode[], seeds: [string, string][], wrts: string[]): string[] {
    const { b, m } = this;
    const differentiable = new Set(wrts.flatMap((w) => [...this.downstreamOf(nodes, w)]));
    const pending = new Map<string, string[]>(seeds.map(([v, g]) => [v, [g]]));
    const gradientOf = (v: string) => {
      const parts = pending.get(v);
      if (!parts) return undefined;
      return parts.length === 1 ? parts[0] : b.op1('Sum', parts, {}, `${v}_grad_sum`);
    };
    for (let k = nodes.length - 1; k >= 0; k--) {
      const node = nodes[k];
      const dys = node.outputs.map((o) => (o ? gradientOf(o) : undefined));
      if (dys.every((d) => !d)) continue;
      const fail = (why: string): never => {
        throw new EngineError('BAD_MODEL', `Node ${node.name} (${node.op}) cannot be differentiated: ${why}.`, {
          node: node.name,
          op: node.op,
        });
      };
      const ctx: GradContext = {
        b,
        node,
        x: (i) => node.inputs[i],
        y: (j = 0) => node.outputs[j],
        inShape: (i) => this.shapeOf(node.inputs[i]),
        outShape: (j = 0) => this.shapeOf(node.outputs[j]),
        constant: (i) => (node.inputs[i] ? m.graph.constants.get(node.inputs[i]) : undefined),
        wants: (i) => !!node.inputs[i] && differentiable.has(node.inputs[i]),
        saved: (key) => this.saved.get(`${node.name}:${key}`),
        fail,
      };
      const grads = ruleFor(node).backward(ctx, dys);
      grads.forEach((g, i) => {
        if (!g || !ctx.wants(i)) return;
        const list = pending.get(node.inputs[i]);
        if (list) list.push(g);
        else pending.set(node.inputs[i], [g]);
      });
    }
    return wrts.map((wrt) => {
      const grad = gradientOf(wrt);
      if (!grad) throw new EngineError('BAD_ARGUMENT', `The output does not depend on ${wrt}.`);
      return grad;
    });
  }

  /** Values computed from `from` within `nodes` (and `from` itself): those that need gradients. */
  downstreamOf(nodes: OnnxNode[], from: string): Set<string> {
    const out = new Set([from]);
    for (const n of nodes) if (n.inputs.some((i) => out.has(i))) for (const o of n.outputs) if (o) out.add(o);
    return out;
  }

  differentiatedNodes(nodes: OnnxNode[], from: string): Set<OnnxNode> {
    const values = this.downstreamOf(nodes, from);
    return new Set(nodes.filter((n) => n.inputs.some((i) => values.has(i))));
  }
}

/**
 * The graphs an imported model's executor runs, with the same inputs and outputs as the
 * built-in compiler's (executors/onnx-compiler/compile.ts) and a dynamic batch B:
 * `activations`, `image-logits` (image [B,S,S,3] RGB 0..255, preprocessed inside), `logits`,
 * `gradient` (score_weights, lse_weight) and `layer-gradient` (layer key `from>to`).
 */
export function compileImported(m: ImportedModel, kind: GraphKind, layer: string): Uint8Array {
  const w = new ImportedGraphWriter(m, `${kind}_${m.name}`);
  const { b } = w;
  if (kind === 'activations' || kind === 'image-logits') {
    const input = w.image();
    // Several layers (`a,b,c`, layerSetKey) come from one forward pass, as outputs acts0, acts1, ...
    const targets = kind === 'activations' ? layer.split(',').map((l) => resolveLayer(m.layers, l).tensor!) : [m.logits];
    const nodes = new Set(targets.flatMap((t) => w.nodesBetween(new Set([input]), t, t)));
    w.forward(
      m.graph.nodes.filter((n) => nodes.has(n)),
      new Set(),
    );
    if (kind === 'image-logits') w.outputLogits();
    else if (targets.length === 1) w.outputNhwc(targets[0], 'acts');
    else targets.forEach((t, i) => w.outputNhwc(t, `acts${i}`));
    return b.toBytes();
  }
  if (kind === 'layer-gradient') {
    const [fromName, toName] = layer.split('>');
    if (!fromName || !toName) throw new EngineError('UNKNOWN_LAYER', `"${layer}" is not a from>to layer pair.`);
    const from = resolveLayer(m.layers, fromName).tensor!;
    const to = resolveLayer(m.layers, toName).tensor!;
    w.acts(from);
    const nodes = w.nodesBetween(new Set([from]), to, `Layer ${toName}`);
    w.forward(nodes, w.differentiatedNodes(nodes, from));
    const [, c, h, wd] = w.shapeOf(to);
    const seed = b.op1('Transpose', [b.input('seed', [BATCH, h, wd, c])], { perm: TO_NCHW }, 'seed_nchw');
    w.outputNhwc(w.backward(nodes, [[to, seed]], from), 'grad', w.shapeOf(from));
    w.outputNhwc(to, 'later');
    return b.toBytes();
  }
  const tensor = resolveLayer(m.layers, layer).tensor!;
  w.acts(tensor);
  const nodes = w.nodesBetween(new Set([tensor]), m.logits, 'The logits');
  if (kind === 'logits') {
    w.forward(nodes, new Set());
    w.outputLogits();
    return b.toBytes();
  }
  w.forward(nodes, w.differentiatedNodes(nodes, tensor));
  // dScore/dlogits = score_weights + lse_weight * softmax(logits), as in the built-in compiler.
  const scoreWeights = b.input('score_weights', [m.classes]);
  const lseWeight = b.input('lse_weight', [1]);
  const softmax = b.op1('Softmax', [m.logits], { axis: 1 });
  const dLogits = b.op1('Add', [b.op1('Mul', [softmax, lseWeight]), scoreWeights], {}, 'dlogits');
  w.outputNhwc(w.backward(nodes, [[m.logits, dLogits]], tensor), 'grad', w.shapeOf(tensor));
  w.outputLogits();
  return b.toBytes();
}
