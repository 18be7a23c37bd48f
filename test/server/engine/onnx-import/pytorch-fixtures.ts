import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeImage } from '../../../../server/engine/images.js';
import { REPO_ROOT } from '../../../helpers/fixtures.js';

/**
 * The small torchvision-family ONNX models of test/fixtures/onnx-models and the PyTorch autograd
 * references that test/fixtures/onnx-models/make_fixtures.py wrote beside them.
 */
export const FIXTURES_DIR = resolve(REPO_ROOT, 'test', 'fixtures', 'onnx-models');

export interface ReferenceLayer {
  /** PyTorch module path, e.g. `layer3.1`. */
  module: string;
  /** The ONNX tensor the module's last exported node writes, e.g. `/layer3/layer3.1/relu_2/Relu_output_0`. */
  tensor: string;
  channels: number;
  height: number;
  width: number;
  /** logit[class1] - logit[class2] on the image. */
  score: number;
  /** The same with the layer's activations zeroed (the path's first step). */
  baselineScore: number;
  /** Gradient x activation summed over space, one value per channel. */
  simple: number[];
  /** Left Riemann sum over `pathSteps` steps, one value per channel. */
  path: number[];
  /** PyTorch's float32 result against this float64 one: the noise floor of a float32 engine. */
  float32RelativeGap: { simple: number; path: number };
}

export interface PytorchReference {
  fixture: string;
  family: string;
  /** A folder in Hugging Face's layout, or a bare .onnx file, relative to FIXTURES_DIR. */
  model: string;
  modelSha256: string;
  /** Relative to the repository root. */
  image: string;
  input: { name: string; shape: [number, number, number, number] };
  /** What the model expects, whether from preprocessor_config.json or the defaults. */
  preprocessing: { size: number; rescale: number | null; mean: number[] | null; std: number[] | null };
  preprocessorConfig: boolean;
  configJson: boolean;
  numClasses: number;
  class1: { arg: string; index: number; label: string };
  class2: { arg: string; index: number; label: string };
  pathSteps: number;
  ops: Record<string, number>;
  logits: number[];
  layers: ReferenceLayer[];
}

export const loadReferences = (): PytorchReference[] =>
  readdirSync(resolve(FIXTURES_DIR, 'expected'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(resolve(FIXTURES_DIR, 'expected', f), 'utf8')) as PytorchReference);

export const modelPath = (ref: PytorchReference) => resolve(FIXTURES_DIR, ref.model);

export const onnxFile = (ref: PytorchReference) => (ref.model.endsWith('.onnx') ? modelPath(ref) : resolve(modelPath(ref), 'model.onnx'));

export const onnxSha256 = (ref: PytorchReference) =>
  createHash('sha256')
    .update(readFileSync(onnxFile(ref)))
    .digest('hex');

/**
 * The network input as the reference computed it, built here from the product's image decoder
 * (centre crop, antialiased resize) and the fixture's rescale and normalisation: NCHW float32.
 */
export function referenceInput(ref: PytorchReference): Float32Array {
  const { size, rescale, mean, std } = ref.preprocessing;
  const { pixels } = decodeImage(readFileSync(resolve(REPO_ROOT, ref.image)), size);
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < size * size; i++) {
      let v = pixels[i * 3 + c];
      if (rescale !== null) v *= rescale;
      if (mean !== null && std !== null) v = (v - mean[c]) / std[c];
      out[c * size * size + i] = v;
    }
  }
  return out;
}

/** The operators the issue asks the importer to differentiate: the fixtures must contain each. */
export const REQUIRED_OPERATORS = [
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Erf',
  'Tanh',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
  'LayerNormalization',
  'ReduceMean',
  'Pow',
  'Sqrt',
  'Concat',
  'Split',
  'Slice',
  'Flatten',
  'Reshape',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Pad',
  'LRN',
  'Softmax',
  'Identity',
  'Dropout',
];
