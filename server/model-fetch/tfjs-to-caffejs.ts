import type { ModelFiles } from '../engine/network/model-source.js';
import { tfFilterToCaffe } from './caffejs-layout.js';
import { biasFile, filterFile, paramLayers } from './googlenet-architecture.js';

/**
 * The inverse transform: a converted model folder back to the caffejs files it came from
 * (`weights/<caffe layer>_{filter,bias}.bin` and synset_words.txt). It is how the checksums in
 * caffejs-manifest.json were derived offline, and how the tests build a mirror to fetch from.
 */
export interface CaffejsFiles {
  /** Path under `models/bvlc_googlenet/weights/` -> raw float32 bytes, in graph order. */
  weights: Map<string, Buffer>;
  synsetWords: Buffer;
}

export function tfjsToCaffejs(model: ModelFiles): CaffejsFiles {
  const byName = new Map<string, Uint8Array>();
  let offset = 0;
  for (const spec of model.modelJson.weightsManifest.flatMap((g) => g.weights)) {
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * 4;
    byName.set(spec.name, model.weightData.subarray(offset, offset + bytes));
    offset += bytes;
  }
  const take = (name: string) => {
    const t = byName.get(name);
    if (!t) throw new Error(`Model folder ${model.dir} has no weight ${name}.`);
    return t;
  };
  const weights = new Map<string, Buffer>();
  for (const layer of paramLayers()) {
    weights.set(filterFile(layer), tfFilterToCaffe(layer, take(`${layer.name}_w`)));
    weights.set(biasFile(layer), Buffer.from(take(`${layer.name}_b`)));
  }
  return { weights, synsetWords: Buffer.from(model.labelsText, 'utf8') };
}
