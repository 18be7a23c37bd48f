import type { LayerInfo } from './layer-info.js';

/**
 * What the attribution code knows of a model, whatever runs it: the built-in GoogLeNet (a
 * TensorFlow.js graph description) and an imported ONNX classifier both give one. Plain data,
 * so it crosses the worker boundary as it is.
 */
export interface ModelDescription {
  /** e.g. `googlenet-bvlc`, or an imported model's folder or file name. */
  name: string;
  /** Side of the square RGB input in pixels; images are centre-cropped and resized to it, RGB 0..255 NHWC. */
  inputSize: number;
  /** Every layer a request may name, in graph order (layer-info.ts resolves names, aliases and tensors). */
  layers: LayerInfo[];
  /** The classes, one per line: `nXXXXXXXX name, synonyms` or `name, synonyms` (labels.ts). */
  labelsText: string;
}
