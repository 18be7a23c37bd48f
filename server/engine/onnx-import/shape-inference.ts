import { EngineError } from '../../errors/engine-error.js';
import { FOLDABLE_OPS, foldNode } from './constant-folding.js';
import { elementCount, intTensor, numbersOf, type ConstantTensor } from './constant-tensor.js';
import { intAttr, type OnnxGraph, type OnnxNode } from './onnx-graph.js';
import { ruleFor, type ShapeContext } from './operator-rules.js';

/** An imported graph after constant folding and shape inference. */
export interface AnalysedGraph {
  /** The nodes left to run, in topological order: everything that depends on the image. */
  nodes: OnnxNode[];
  /** Initializers, Constant nodes and folded values, by value name. */
  constants: Map<string, ConstantTensor>;
  /** Batch-1 shape of every value computed from the image. */
  shapes: Map<string, number[]>;
  producer: Map<string, OnnxNode>;
  /** The graph's input value. */
  input: string;
  /**
   * Where a batch of images cannot ride in axis 0 (a node that mixes the batch axis), with why;
   * the executor then runs one item at a time. Undefined when the graph batches.
   */
  unbatchable?: { node: string; why: string };
}

/**
 * One pass in topological order: a node whose inputs are all constants is evaluated (folded);
 * `Shape` of a value computed from the image is its (static) shape; every other node's output
 * shapes come from its operator rule, which also rewrites what the traced batch of 1 fixed in
 * its constants. `inputDims` is the input's full static shape, batch 1.
 */
export function analyseGraph(graph: OnnxGraph, inputDims: number[], otherInputs = new Map<string, number[]>()): AnalysedGraph {
  const constants = new Map(graph.constants);
  // (`otherInputs`: further values given from outside, as the operator tests feed each rule.)
  const shapes = new Map<string, number[]>([[graph.input.name, inputDims], ...otherInputs]);
  const producer = new Map<string, OnnxNode>();
  const nodes: OnnxNode[] = [];
  let unbatchable: AnalysedGraph['unbatchable'];
  let fresh = 0;

  for (const node of graph.nodes) {
    const present = node.inputs.filter(Boolean);
    const fail = (why: string): never => {
      throw new EngineError('BAD_MODEL', `Node ${node.name} (${node.op}): ${why}.`, { node: node.name, op: node.op });
    };
    if (present.every((i) => constants.has(i))) {
      if (!FOLDABLE_OPS.has(node.op)) {
        fail('it computes from constants only, and the importer cannot evaluate this operator at import');
      }
      const outs = foldNode(
        node,
        node.inputs.map((i) => (i ? constants.get(i) : undefined)),
      );
      node.outputs.forEach((o, k) => o && outs[k] && constants.set(o, outs[k]));
      continue;
    }
    if (node.op === 'Shape' || node.op === 'Size') {
      const s = shapes.get(node.inputs[0])!;
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const start = clamp(intAttr(node, 'start', 0));
      const end = node.attrs.end ? clamp(intAttr(node, 'end', r)) : r;
      constants.set(node.outputs[0], node.op === 'Size' ? intTensor([elementCount(s)], []) : intTensor(s.slice(start, end)));
      continue;
    }
    const rule = ruleFor(node);
    const ctx: ShapeContext = {
      node,
      shape: (i) => {
        const v = node.inputs[i];
        if (!v) fail(`input ${i} is missing`);
        const s = shapes.get(v) ?? constants.get(v)?.dims;
        if (!s) fail(`input ${v} has no known shape`);
        return s!;
      },
      has: (i) => !!node.inputs[i],
      constant: (i) => (node.inputs[i] ? constants.get(node.inputs[i]) : undefined),
      requireConstant: (i, what) => {
        const v = node.inputs[i];
        const t = v ? constants.get(v) : undefined;
        if (!t) fail(`its ${what} (${v || 'missing'}) is computed at run time; the importer needs it constant`);
        return t!;
      },
      live: (i) => !!node.inputs[i] && !constants.has(node.inputs[i]),
      replaceInput: (i, value) => {
        const name = `${node.inputs[i] || node.name}::batched${fresh++}`;
        constants.set(name, value);
        while (node.inputs.length <= i) node.inputs.push('');
        node.inputs[i] = name;
      },
      fail,
    };
    const outShapes = rule.shape(ctx);
    node.outputs.forEach((o, k) => {
      if (!o) return;
      if (!outShapes[k]) fail(`output ${k} has no shape`);
      if (outShapes[k].some((d) => !Number.isInteger(d) || d < 0)) fail(`its output shape [${outShapes[k]}] is not valid`);
      shapes.set(o, outShapes[k]);
      producer.set(o, node);
    });
    const why = rule.batch?.(ctx);
    if (why && !unbatchable) unbatchable = { node: node.name, why };
    nodes.push(node);
  }
  return { nodes, constants, shapes, producer, input: graph.input.name, unbatchable };
}

/** The numbers of a constant that must exist (for rules reading integer inputs). */
export const constantNumbers = (t: ConstantTensor | undefined) => (t ? numbersOf(t) : []);
