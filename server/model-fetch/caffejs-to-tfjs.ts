import { ModelFetchError } from '../errors/model-fetch-error.js';
import { caffeFilterToTf } from './caffejs-layout.js';
import { biasFile, filterFile } from './googlenet-architecture.js';
import { buildGoogLeNetGraph, type GraphWeight } from './graph-def.js';

/** PROVENANCE.md: "Each shard is 3 MiB, well under the 4 MiB snapshot limit." */
export const SHARD_BYTES = 3 * 1024 * 1024;

export const MODEL_JSON_META = {
  generatedBy: 'BVLC GoogLeNet (Caffe model zoo bvlc_googlenet.caffemodel) via CaffeJS per-layer .bin files',
  convertedBy: 'npm run model:fetch (server/model-fetch/caffejs-to-tfjs.ts), see PROVENANCE.md',
  userDefinedMetadata: {
    input: 'input: float32 [N,224,224,3] RGB in 0..255 (mean subtraction R123 G117 B104 is done inside the graph)',
    classes: 1000,
    labels: 'labels.txt (Caffe synset order)',
  },
};

/** The caffejs inputs: a weight file by its path under `weights/`, and synset_words.txt. */
export interface CaffejsSource {
  weightFile(path: string): Uint8Array;
  synsetWords: Uint8Array;
}

/** The files of a TensorFlow.js graph-model folder, by name, as the engine reads them. */
export type TfjsModelFolder = Map<string, Buffer>;

/**
 * caffejs per-layer files -> the engine's model folder: model.json (GraphDef built from the
 * architecture table), 3 MiB shards, labels.txt and layers.json. Every weight is moved word by
 * word, so the result is bit-identical to the shared model (PROVENANCE.md, "Conversion").
 */
export function convertCaffejsToTfjs(src: CaffejsSource, meta: Partial<typeof MODEL_JSON_META> = {}): TfjsModelFolder {
  const graph = buildGoogLeNetGraph();
  const weightData = Buffer.concat(graph.weights.map((w) => weightBytes(src, w)));
  const paths: string[] = [];
  const shards: Buffer[] = [];
  const count = Math.ceil(weightData.byteLength / SHARD_BYTES);
  for (let i = 0; i < count; i++) {
    paths.push(`group1-shard${i + 1}of${count}.bin`);
    shards.push(weightData.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
  }
  const m = { ...MODEL_JSON_META, ...meta };
  const modelJson = {
    format: 'graph-model',
    generatedBy: m.generatedBy,
    convertedBy: m.convertedBy,
    modelTopology: { node: graph.nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths, weights: graph.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
    userDefinedMetadata: m.userDefinedMetadata,
  };
  const folder: TfjsModelFolder = new Map();
  folder.set('model.json', Buffer.from(JSON.stringify(modelJson), 'utf8'));
  paths.forEach((p, i) => folder.set(p, Buffer.from(shards[i])));
  folder.set('labels.txt', Buffer.from(checkLabels(src.synsetWords)));
  folder.set('layers.json', Buffer.from(JSON.stringify(graph.layers, null, 1), 'utf8'));
  return folder;
}

function weightBytes(src: CaffejsSource, w: GraphWeight): Buffer {
  const s = w.source;
  if (s.kind === 'const') {
    const out = Buffer.alloc(s.values.length * 4);
    s.values.forEach((v, i) => (w.dtype === 'int32' ? out.writeInt32LE(v, i * 4) : out.writeFloatLE(v, i * 4)));
    return out;
  }
  const file = s.part === 'w' ? filterFile(s.layer) : biasFile(s.layer);
  const bytes = src.weightFile(file);
  try {
    if (s.part === 'w') return caffeFilterToTf(s.layer, bytes);
  } catch (e) {
    throw new ModelFetchError('CONVERSION_FAILED', `Cannot convert ${file}: ${(e as Error).message}`);
  }
  if (bytes.byteLength !== s.layer.outChannels * 4) {
    throw new ModelFetchError(
      'CONVERSION_FAILED',
      `Cannot convert ${file}: a bias of ${s.layer.outChannels} float32 has ${s.layer.outChannels * 4} bytes, got ${bytes.byteLength}.`,
    );
  }
  return Buffer.from(bytes);
}

/** synset_words.txt is copied as it is; it must be 1000 `nXXXXXXXX name` lines (line i = class i). */
function checkLabels(bytes: Uint8Array): Uint8Array {
  const lines = Buffer.from(bytes)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const bad = lines.findIndex((l) => !/^n\d{8} \S/.test(l));
  if (lines.length !== 1000 || bad >= 0) {
    throw new ModelFetchError(
      'CONVERSION_FAILED',
      `synset_words.txt should hold 1000 "nXXXXXXXX name" lines; it has ${lines.length}${bad >= 0 ? `, and line ${bad + 1} is "${lines[bad].slice(0, 40)}"` : ''}.`,
    );
  }
  return bytes;
}
