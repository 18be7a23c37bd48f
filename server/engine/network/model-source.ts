import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError } from '../../errors/engine-error.js';
import { REPO_ROOT } from '../../repo-root.js';

/** Where the weights may live, in lookup order: the MODEL_DIR setting, the fetched copy, ../shared. */
export function modelCandidates(modelDir?: string): string[] {
  const out: string[] = [];
  if (modelDir) out.push(resolve(modelDir));
  out.push(join(REPO_ROOT, 'models', 'googlenet-bvlc'));
  out.push(resolve(REPO_ROOT, '..', 'shared', 'models', 'googlenet-bvlc'));
  return out;
}

/** The model folder: `modelDir` (MODEL_DIR) when given, else the first candidate that holds a model. */
export function locateModelDir(modelDir?: string): string {
  const candidates = modelCandidates(modelDir);
  // An explicit MODEL_DIR must not silently fall back to another copy.
  if (modelDir) {
    if (existsSync(join(candidates[0], 'model.json'))) return candidates[0];
    throw new EngineError(
      'MODEL_NOT_FOUND',
      `No model.json in MODEL_DIR=${candidates[0]}: point MODEL_DIR at the googlenet-bvlc folder (model.json, shards, labels.txt, layers.json), fill it with \`npm run model:fetch -- --dest "$MODEL_DIR"\`, or unset it to use the repo's models/googlenet-bvlc or ../shared/models/googlenet-bvlc.`,
    );
  }
  const found = candidates.find((d) => existsSync(join(d, 'model.json')));
  if (found) return found;
  throw new EngineError(
    'MODEL_NOT_FOUND',
    `GoogLeNet weights not found (looked in ${candidates.join(', ')}): set MODEL_DIR to the googlenet-bvlc folder, or run \`npm run model:fetch\`.`,
  );
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface ModelFiles {
  dir: string;
  modelJson: {
    format: string;
    modelTopology: { node: RawNode[] };
    weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  };
  weightData: Uint8Array;
  labelsText: string;
  layersJson: { name: string; caffe: string; depth: number }[];
  /** sha256 of the concatenated shards, the identity `npm run model:fetch` reproduces. */
  weightsSha256: string;
}

export interface RawNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, any>;
}

const missingFile = (dir: string, file: string) =>
  new EngineError(
    'MODEL_CORRUPT',
    `Model folder ${dir} is incomplete: ${file} is missing. Restore it, or set MODEL_DIR to a complete googlenet-bvlc folder.`,
  );

function readOrFail(dir: string, file: string): Buffer {
  const p = join(dir, file);
  if (!existsSync(p)) throw missingFile(dir, file);
  return readFileSync(p);
}

function parseJson<T>(dir: string, file: string): T {
  try {
    return JSON.parse(readOrFail(dir, file).toString('utf8')) as T;
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError(
      'MODEL_CORRUPT',
      `Model folder ${dir} has a broken ${file} (${(e as Error).message}). Restore it, or set MODEL_DIR to a good copy.`,
    );
  }
}

/**
 * The shards read straight into one buffer (no per-shard buffers concatenated, no copies), so
 * the weights are decoded as views into it (network.ts).
 */
function readShards(dir: string, files: string[]): Uint8Array {
  const sizes = files.map((f) => {
    if (!existsSync(join(dir, f))) throw missingFile(dir, f);
    return statSync(join(dir, f)).size;
  });
  const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  files.forEach((f, i) => {
    const fd = openSync(join(dir, f), 'r');
    try {
      for (let end = offset + sizes[i]; offset < end;) {
        const n = readSync(fd, out, offset, end - offset, null);
        if (n === 0) break;
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  });
  return offset === out.byteLength ? out : out.subarray(0, offset);
}

/** sha256 of the nine shards concatenated, measured on ../shared/models/googlenet-bvlc (PROVENANCE.md lists each shard's). */
export const BVLC_GOOGLENET_WEIGHTS_SHA256 = 'ddd731979e52b417b774d10f9ae17e1b336b7eae9ff6ab99326ffce6c5f5c09e';

const BYTES_PER_ELEMENT = { float32: 4, int32: 4 } as const;

/**
 * Reads and checks every file of the model folder; throws one clear sentence when anything is off.
 * `allowUnknownWeights` (ALLOW_UNKNOWN_WEIGHTS) loads weights whose checksum is not BVLC GoogLeNet's.
 */
export function readModelFiles(dir = locateModelDir(), options: { allowUnknownWeights?: boolean } = {}): ModelFiles {
  const modelJson = parseJson<ModelFiles['modelJson']>(dir, 'model.json');
  if (!modelJson?.modelTopology?.node || !Array.isArray(modelJson.weightsManifest)) {
    throw new EngineError(
      'MODEL_CORRUPT',
      `Model folder ${dir} has a model.json that is not a TensorFlow.js graph model. Restore it, or set MODEL_DIR to a good copy.`,
    );
  }
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const weightData = readShards(
    dir,
    modelJson.weightsManifest.flatMap((g) => g.paths),
  );
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[s.dtype], 0);
  if (expected !== weightData.byteLength) {
    throw new EngineError(
      'MODEL_CORRUPT',
      `Model folder ${dir} has ${weightData.byteLength} bytes of weights but model.json describes ${expected}: a shard is truncated or from another model. Restore the shards, or set MODEL_DIR to a good copy.`,
    );
  }
  const weightsSha256 = createHash('sha256').update(weightData).digest('hex');
  if (weightsSha256 !== BVLC_GOOGLENET_WEIGHTS_SHA256 && !options.allowUnknownWeights) {
    throw new EngineError(
      'MODEL_CORRUPT',
      `Model folder ${dir} has weights with sha256 ${weightsSha256}, not BVLC GoogLeNet's ${BVLC_GOOGLENET_WEIGHTS_SHA256}: a shard is damaged or from another model. Restore the shards (or run \`npm run model:fetch\`), or set ALLOW_UNKNOWN_WEIGHTS=1 to load them anyway.`,
    );
  }
  const labelsText = readOrFail(dir, 'labels.txt').toString('utf8');
  const layersJson = parseJson<ModelFiles['layersJson']>(dir, 'layers.json');
  return { dir, modelJson, weightData, labelsText, layersJson, weightsSha256 };
}
