import { EngineError } from '../../errors/engine-error.js';
import { triangleWeights } from '../images.js';
import { resolveLayer } from '../layer-info.js';
import { ImportedGraphWriter } from './compile-imported.js';
import type { ImportedModel } from './imported-model.js';

const BATCH = 'B';

/**
 * The resize of the project's image pipeline (triangle filter, antialiased when shrinking) from
 * `from` to `to` pixels as a [to, from] matrix: resizing a map is R x X x R^T, two MatMuls whose
 * adjoints the backward pass writes as two more.
 */
function resizeMatrix(from: number, to: number): Float32Array {
  const m = new Float32Array(to * from);
  triangleWeights(from, to).forEach(({ taps, weights }, o) => taps.forEach((t, k) => (m[o * from + t] = weights[k])));
  return m;
}

/**
 * The channels of `layer` before its ReLUs, where it is a ReLU (or ReLU6) or a concatenation of
 * them: a channel that is 0 on the grey start image passes no gradient, so the optimization
 * would never start (Lucid optimizes `mixed4a_pre_relu` for the same reason). Else the layer.
 */
function preReluSources(m: ImportedModel, tensor: string): string[] {
  const producer = m.graph.producer.get(tensor);
  const isRelu = (v: string) => {
    const p = m.graph.producer.get(v);
    return p && (p.op === 'Relu' || p.op === 'Clip') && p.outputs[0] === v ? p : undefined;
  };
  if (isRelu(tensor)) return [isRelu(tensor)!.inputs[0]];
  if (producer?.op === 'Concat' && producer.inputs.every((i) => isRelu(i)) && (producer.attrs.axis?.value ?? 0) === 1) {
    return producer.inputs.map((i) => isRelu(i)!.inputs[0]);
  }
  return [tensor];
}

/**
 * Feature visualization's graph for an imported model at one (layer, image size S), with the
 * same inputs and outputs as the built-in model's (feature-vis/input-gradients/input-gradient-graph.ts):
 *   image [B,S,S,3] (RGB 0..255), channel_weights [B,C]
 *   -> objective [B] = sum_c w[b,c] * mean_hw preRelu[b,c,h,w], activation [B] the same on the layer,
 *   -> grad [B,S,S,3] = dObjective_b / dImage_b.
 * The image is resized to the model's input size inside the graph (the model's input is fixed)
 * and preprocessed as the model wants, so the render optimizes what the model sees; the
 * backward pass runs through the model's own operator rules, the normalisation and the resize.
 */
export function compileImportedInputGradient(m: ImportedModel, layerName: string, size: number): Uint8Array {
  const layer = resolveLayer(m.layers, layerName);
  const tensor = layer.tensor!;
  const w = new ImportedGraphWriter(m, `input_gradient_${m.name}_${size}`);
  const { b } = w;
  const M = m.inputSize;
  const image = b.input('image', [BATCH, size, size, 3]);
  let x = b.op1('Transpose', [image], { perm: [0, 3, 1, 2] });
  const rows = size === M ? undefined : b.floats('resize_rows', resizeMatrix(size, M), [M, size]);
  const rowsT = size === M ? undefined : b.floats('resize_rows_t', transpose(resizeMatrix(size, M), M, size), [size, M]);
  if (rows) x = b.op1('MatMul', [b.op1('MatMul', [rows, x]), rowsT!], {}, 'resized');
  if (m.preprocessing.layout === 'NHWC') x = b.op1('Transpose', [x], { perm: [0, 2, 3, 1] });
  const input = w.normalise(x, M);

  const nodes = w.nodesBetween(new Set([input]), tensor, `Layer ${layerName}`);
  w.forward(nodes, w.differentiatedNodes(nodes, input));
  const [, c, h, wd] = w.shapeOf(tensor);
  if (!(h >= 1 && wd >= 1)) throw new EngineError('BAD_ARGUMENT', `${layerName} has no spatial extent to visualize.`);

  const channelWeights = b.input('channel_weights', [BATCH, c]);
  const weightedMean = (v: string, hint: string) =>
    b.op1(
      'ReduceSum',
      [b.op1('Mul', [b.op1('ReduceMean', [v, b.ints([2, 3])], { keepdims: 0 }), channelWeights]), b.ints([1])],
      { keepdims: 0 },
      hint,
    );
  const sources = preReluSources(m, tensor);
  const preRelu = sources.length === 1 ? sources[0] : b.op1('Concat', sources, { axis: 1 });
  b.output(weightedMean(preRelu, 'objective'), [BATCH]);
  b.output(weightedMean(tensor, 'activation'), [BATCH]);

  // dObjective/dPreRelu: w[b,c] / (H*W) at every position, split back into the concat's inputs.
  const perPosition = b.op1('Mul', [b.op1('Unsqueeze', [channelWeights, b.ints([2, 3])]), b.scalar(1 / (h * wd))]);
  const dPreRelu = b.op1('Expand', [perPosition, b.op1('Shape', [tensor])], {}, 'dobjective');
  const parts =
    sources.length === 1
      ? [dPreRelu]
      : b.op(
          'Split',
          [dPreRelu, b.ints(sources.map((s) => w.shapeOf(s)[1]))],
          { axis: 1 },
          sources.map((s) => `${s}_dobjective`),
        );
  let g = w.backward(
    nodes,
    sources.map((s, k): [string, string] => [s, parts[k]]),
    input,
  );
  // Through the normalisation (x * gain - offset) and the layout, then the resize's adjoint.
  const p = m.preprocessing;
  const gain = Float32Array.from(p.std, (s) => p.scale / s);
  g = b.op1('Mul', [g, b.floats('preprocess_gain_grad', gain, p.layout === 'NCHW' ? [1, 3, 1, 1] : [1, 1, 1, 3])]);
  if (p.layout === 'NHWC') g = b.op1('Transpose', [g], { perm: [0, 3, 1, 2] });
  if (rows) g = b.op1('MatMul', [b.op1('MatMul', [rowsT!, g]), rows]);
  b.output(b.op1('Transpose', [g], { perm: [0, 2, 3, 1] }, 'grad'), [BATCH, size, size, 3]);
  return b.toBytes();
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
