import { distance } from 'fastest-levenshtein';
import { EngineError } from '../errors/engine-error.js';

/** A layer of a model: a 4-D activation a user may attribute at, with its shape for one image. */
export interface LayerInfo {
  /** The name requests use: Lucid's for the built-in model, the module path (or tensor name) for an imported one. */
  name: string;
  /** BVLC Caffe's name for the built-in model; the ONNX tensor name for an imported one. */
  caffe: string;
  channels: number;
  height: number;
  width: number;
  /** Theoretical receptive field of one position, in input pixels (the dataset examples' crop size). */
  receptiveField?: number;
  /** The ONNX tensor an imported layer is (`/layer3/layer3.1/relu_1/Relu_output_0`); a name requests may use too. */
  tensor?: string;
  /** Other module paths whose output is the same tensor (`layer1.1` beside `layer1`); names requests may use too. */
  aliases?: string[];
  /** Shown in layer lists: a block output a user recognises. Unset: every layer is shown. */
  listed?: boolean;
  /** The node of a skip connection that bypasses this value: attributing here is refused, naming it. */
  bypassedBy?: string;
  /** The value that node reads, computed before this layer. */
  bypassReads?: string;
}

/** Layers as lists show them: the `listed` ones, or all where the model does not say. */
export const listedLayers = (layers: LayerInfo[]) => layers.filter((l) => l.listed !== false && !l.bypassedBy);

const NEAREST_COUNT = 5;

/** The `count` names closest to `text` (edit distance relative to length) among the layers' names, aliases and tensors. */
export function nearestLayerNames(layers: LayerInfo[], text: string, count = NEAREST_COUNT): string[] {
  const names = layers
    .filter((l) => !l.bypassedBy)
    .flatMap((l) => [l.name, ...(l.aliases ?? []), ...(l.tensor && l.tensor !== l.name ? [l.tensor] : [])]);
  return nearestNames(names, text, count);
}

/** The `count` distinct names closest to `text`, by edit distance relative to length. */
export function nearestNames(names: readonly string[], text: string, count = NEAREST_COUNT): string[] {
  const q = text.toLowerCase();
  const scored = names.map((name) => ({ name, d: distance(q, name.toLowerCase()) / Math.max(q.length, name.length, 1) }));
  scored.sort((a, b) => a.d - b.d);
  const out: string[] = [];
  for (const s of scored) {
    if (!out.includes(s.name)) out.push(s.name);
    if (out.length === count) break;
  }
  return out;
}

/** The layer of a name, alias or tensor name, or undefined. */
export const findLayer = (layers: readonly LayerInfo[], name: string): LayerInfo | undefined =>
  layers.find((l) => l.name === name) ?? layers.find((l) => l.aliases?.includes(name)) ?? layers.find((l) => l.tensor === name);

/**
 * The layer a request names, by name, alias or tensor name. An unknown name is UNKNOWN_LAYER
 * listing the 5 nearest; a layer a skip connection bypasses is BAD_ARGUMENT naming the node,
 * because the rest of the network does not depend on it alone and an attribution there would
 * be wrong.
 */
export function resolveLayer(layers: LayerInfo[], name: string): LayerInfo {
  const found = findLayer(layers, name);
  if (!found) {
    const shown = listedLayers(layers);
    // A short list is shown whole (the built-in model's nine blocks); a long one by nearness.
    const valid = shown.length <= 12 ? shown.map((l) => l.name) : nearestLayerNames(layers, name);
    throw new EngineError(
      'UNKNOWN_LAYER',
      shown.length <= 12
        ? `Unknown layer "${name}": choose one of ${valid.join(', ')}.`
        : `Unknown layer "${name}". Closest: ${valid.join(', ')}.`,
      { valid },
    );
  }
  if (found.bypassedBy) {
    const after = layers.slice(layers.indexOf(found) + 1).find((l) => !l.bypassedBy && l.listed !== false);
    throw new EngineError(
      'BAD_ARGUMENT',
      `Layer "${name}" is bypassed by a skip connection or a parallel branch: node ${found.bypassedBy} reads ${found.bypassReads ?? 'a value'} computed before it, so the logits do not depend on this layer alone and an attribution here would be wrong.${after ? ` Choose a block output such as ${after.name}.` : ''}`,
      { layer: name, bypassedBy: found.bypassedBy },
    );
  }
  return found;
}

/** [height, width, channels] of a layer (the activations' NHWC shape for one image). */
export function layerShape(layers: LayerInfo[], name: string): [number, number, number] {
  const l = resolveLayer(layers, name);
  return [l.height, l.width, l.channels];
}
