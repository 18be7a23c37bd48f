import { basename, join } from 'node:path';
import { EngineError } from '../../errors/engine-error.js';
import type { LayerInfo } from '../layer-info.js';
import type { ModelDescription } from '../model-description.js';
import { intsAttr, readGraph, type OnnxGraph } from './onnx-graph.js';
import { describeLayers } from './layer-names.js';
import { resolveLabels } from './model-labels.js';
import { readModelFiles } from './model-files.js';
import { DEFAULT_MAX_MODEL_BYTES } from './model-size-limit.js';
import { resolvePreprocessing, type Preprocessing, type PreprocessingOverrides } from './preprocessing.js';
import { analyseGraph, type AnalysedGraph } from './shape-inference.js';

/** How to import a model: the user's overrides, and what the engine supplies. */
export interface ImportOptions extends PreprocessingOverrides {
  /** A labels file (one class per line, or JSON id2label) overriding config.json (`--labels`). */
  labels?: string;
  /** MAX_MODEL_BYTES: the largest graph plus external data read. */
  maxBytes?: number;
  /** labels.txt of the built-in model: the ImageNet names 1000- and 1001-logit models default to. */
  imagenetLabels?: string;
}

/** An imported ONNX image classifier, ready to compile: the description every engine part reads, and its graph. */
export interface ImportedModel extends ModelDescription {
  /** The folder (or the .onnx file) it was read from. */
  path: string;
  /** sha256 of model.onnx and its external data: the model's identity in graph caches. */
  sha256: string;
  bytes: number;
  opset: number;
  graph: AnalysedGraph;
  /** The value the logits are read from (a final Softmax is skipped: attribution is on logits). */
  logits: string;
  classes: number;
  preprocessing: Preprocessing;
  /** What the user should know about defaults taken (printed on stderr by the CLI). */
  notes: string[];
}

const bad = (message: string, details: Record<string, unknown> = {}): never => {
  throw new EngineError('BAD_MODEL', message, details);
};

/** NCHW when the channel axis (3, RGB) is second, NHWC when last; dynamic dims read as NCHW, PyTorch's layout. */
function inputLayout(g: OnnxGraph): { layout: 'NCHW' | 'NHWC'; side: number | null } {
  const [, a, b, c] = g.input.dims;
  const describe = `[${g.input.dims.map((d) => d ?? '?').join(', ')}]`;
  let layout: 'NCHW' | 'NHWC';
  if (a === 3) layout = 'NCHW';
  else if (c === 3 && a !== null) layout = 'NHWC';
  else if (a === null && c === 3) layout = 'NHWC';
  else if (a === null) layout = 'NCHW';
  else
    return bad(`The model's input ${g.input.name} is ${describe}, not an RGB image (3 channels, NCHW or NHWC).`, { input: g.input.name });
  const [h, w] = layout === 'NCHW' ? [b, c] : [a, b];
  if (h !== null && w !== null && h !== w)
    bad(`The model's input is ${h}x${w}; only square inputs are supported (the image pipeline crops squares).`);
  if ((h === null) !== (w === null)) bad(`The model's input ${describe} fixes one of height and width but not the other.`);
  return { layout, side: h };
}

/**
 * The logits: the graph output named `logits`, else its first, which must be a vector of
 * scores [1, N] computed from the image. A final Softmax or LogSoftmax is skipped (attribution
 * is on logits, as for the built-in model), and said in `notes`.
 */
function findLogits(g: AnalysedGraph, outputs: string[], notes: string[]): { value: string; classes: number } {
  let value = outputs.includes('logits__model') ? 'logits__model' : outputs[0];
  if (outputs.length > 1)
    notes.push(`the model has ${outputs.length} outputs; attributing ${value}, ignoring ${outputs.filter((o) => o !== value).join(', ')}.`);
  if (!g.shapes.has(value)) bad(`The model's output ${value} does not depend on the input image.`);
  const producer = g.producer.get(value);
  if (producer && (producer.op === 'Softmax' || producer.op === 'LogSoftmax')) {
    notes.push(`the output ${value} is a ${producer.op}: attributing its input, the logits.`);
    value = producer.inputs[0];
  }
  const s = g.shapes.get(value)!;
  if (s.length !== 2 || s[0] !== 1 || s[1] < 2) {
    bad(
      `The model's output ${value} has shape [${s.join(', ')}], not a vector of logits [1, classes]: the importer reads image classifiers.`,
      {
        output: value,
      },
    );
  }
  return { value, classes: s[1] };
}

/**
 * Receptive field (px) of each value along its widest path: a window adds (k-1) * dilation
 * times the cumulative stride (Conv and pools; everything else keeps it).
 */
function receptiveFields(g: AnalysedGraph): Map<string, number> {
  const field = new Map<string, { rf: number; jump: number }>([[g.input, { rf: 1, jump: 1 }]]);
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => field.get(i)).filter((f): f is { rf: number; jump: number } => !!f);
    if (!ins.length) continue;
    const widest = ins.reduce((a, b) => (b.rf > a.rf ? b : a));
    let k = 1;
    let s = 1;
    if (n.op === 'Conv' || n.op === 'MaxPool' || n.op === 'AveragePool') {
      const kernel = n.op === 'Conv' ? (g.constants.get(n.inputs[1])?.dims.slice(2) ?? [1]) : intsAttr(n, 'kernel_shape', [1]);
      k = (kernel[0] - 1) * (intsAttr(n, 'dilations', [1])[0] ?? 1) + 1;
      s = intsAttr(n, 'strides', [1])[0] ?? 1;
    }
    const out = { rf: widest.rf + (k - 1) * widest.jump, jump: widest.jump * s };
    for (const o of n.outputs) if (o) field.set(o, out);
  }
  return new Map([...field].map(([v, f]) => [v, f.rf]));
}

/**
 * Reads, checks and prepares a model folder (Hugging Face's export layout: model.onnx, optional
 * config.json and preprocessor_config.json) or a bare .onnx file: constant-folds the shape
 * subgraphs, infers every shape, finds the logits and the layers (with their module paths and
 * the skip connections that bypass them). CPU work for a second or more on a large model: run
 * it in a worker thread. Throws BAD_MODEL (or BAD_ARGUMENT for a bad override) with one sentence.
 */
export function importModel(path: string, options: ImportOptions = {}): ImportedModel {
  const files = readModelFiles(path, options.maxBytes ?? DEFAULT_MAX_MODEL_BYTES);
  const graph = readGraph(files.model);
  const notes: string[] = [];
  const { layout, side } = inputLayout(graph);
  const preprocessing = resolvePreprocessing(files.preprocessor, side, layout, options, notes);
  const s = preprocessing.size;
  const analysed = analyseGraph(graph, layout === 'NCHW' ? [1, 3, s, s] : [1, s, s, 3]);
  if (analysed.unbatchable) {
    notes.push(
      `node ${analysed.unbatchable.node} cannot take a batch (${analysed.unbatchable.why}): path steps run one at a time, which is slower.`,
    );
  }
  const logits = findLogits(analysed, graph.outputs, notes);
  const fields = receptiveFields(analysed);
  const layers: LayerInfo[] = describeLayers(analysed, logits.value).map((l) => ({ ...l, receptiveField: fields.get(l.tensor!) }));
  if (!layers.some((l) => !l.bypassedBy))
    bad('The model has no 4-D activation [1, C, H, W] that the logits depend on alone: nothing to attribute at.');
  const labelsText = resolveLabels(logits.classes, files.config, options.labels, options.imagenetLabels, notes);
  const inFolder = files.file === join(files.dir, 'model.onnx');
  return {
    name: inFolder ? basename(files.dir) : basename(files.file).replace(/\.onnx$/i, ''),
    inputSize: s,
    layers,
    labelsText,
    path: inFolder ? files.dir : files.file,
    sha256: files.sha256,
    bytes: files.bytes,
    opset: graph.opset,
    graph: analysed,
    logits: logits.value,
    classes: logits.classes,
    preprocessing,
    notes,
  };
}
