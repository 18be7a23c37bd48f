import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import p from 'onnx-proto';
import { EngineError } from '../../errors/engine-error.js';
import { toNumber } from './constant-tensor.js';
import { DEFAULT_MAX_MODEL_BYTES } from './model-size-limit.js';

const { onnx } = p;

/** What a model folder (Hugging Face's export layout) or a bare .onnx file holds, read and checked. */
export interface ModelFiles {
  /** The folder the model lives in; nothing outside it is read. */
  dir: string;
  /** The .onnx file. */
  file: string;
  model: p.onnx.ModelProto;
  /** Bytes of each external-data file a tensor points into, by its checked relative path. */
  external: Map<string, Buffer>;
  /** config.json, when the folder has one (a bare file never does). */
  config: Record<string, unknown> | null;
  /** preprocessor_config.json, likewise. */
  preprocessor: Record<string, unknown> | null;
  /** sha256 of the graph file and its external data: the model's identity in caches. */
  sha256: string;
  bytes: number;
}

const bad = (message: string, details: Record<string, unknown> = {}): never => {
  throw new EngineError('BAD_MODEL', message, details);
};

/**
 * Resolves `path` to the model's folder and .onnx file: a folder must hold model.onnx; a file
 * must end in .onnx.
 */
export function locateModel(path: string): { dir: string; file: string; folder: boolean } {
  const abs = resolve(path);
  if (!existsSync(abs)) bad(`No model at ${path}: give a folder holding model.onnx, or an .onnx file.`);
  if (statSync(abs).isDirectory()) {
    const file = join(abs, 'model.onnx');
    if (!existsSync(file)) bad(`The folder ${path} has no model.onnx (the layout optimum-cli export onnx writes).`);
    return { dir: abs, file, folder: true };
  }
  if (!abs.toLowerCase().endsWith('.onnx')) bad(`${path} is not an .onnx file: give a folder holding model.onnx, or an .onnx file.`);
  return { dir: dirname(abs), file: abs, folder: false };
}

function readBounded(file: string, limit: number, what: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > limit) {
      bad(
        `${what} is ${(size / 1048576).toFixed(0)} MB, over the ${(limit / 1048576).toFixed(0)} MB limit (MAX_MODEL_BYTES); raise MAX_MODEL_BYTES to import it.`,
        { bytes: size, limit },
      );
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, null);
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

function readJson(dir: string, name: string): Record<string, unknown> | null {
  const path = join(dir, name);
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    bad(`${name} in ${dir} is not valid JSON (${(e as Error).message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) bad(`${name} in ${dir} is not a JSON object.`);
  return value as Record<string, unknown>;
}

/**
 * The checked path of an external-data file inside `dir`: relative, no `..`, and still inside
 * the folder once symlinks are resolved. An ONNX file is untrusted input: its `location` must
 * never make the engine read elsewhere.
 */
export function externalDataPath(dir: string, location: string, tensor: string): string {
  if (!location) bad(`Tensor ${tensor} is stored outside the graph but names no file (location is empty).`, { tensor });
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) {
    bad(`Tensor ${tensor} points to external data at an absolute path (${location}); only files inside the model's folder are read.`, {
      tensor,
    });
  }
  const parts = location.split(/[\\/]+/);
  if (parts.includes('..')) {
    bad(`Tensor ${tensor} points to external data outside the model's folder (${location}); only files inside it are read.`, { tensor });
  }
  const path = resolve(dir, normalize(location));
  if (!existsSync(path)) bad(`Tensor ${tensor} is stored in ${location}, which is not in ${dir}.`, { tensor });
  const real = realpathSync(path);
  const realDir = realpathSync(dir);
  const rel = relative(realDir, real);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    bad(`Tensor ${tensor}'s external data ${location} links outside the model's folder; only files inside it are read.`, { tensor });
  }
  return real;
}

/**
 * Reads a model: bounds its size (graph and external data together) by `maxBytes`, parses the
 * protobuf, reads the external data it names from inside its folder only, and the folder's
 * config.json and preprocessor_config.json. Throws BAD_MODEL with one sentence on any problem.
 */
export function readModelFiles(path: string, maxBytes = DEFAULT_MAX_MODEL_BYTES): ModelFiles {
  const { dir, file, folder } = locateModel(path);
  const bytes = readBounded(file, maxBytes, basename(file));
  if (bytes.length === 0) bad(`${basename(file)} is empty (0 bytes).`);
  let model: p.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    return bad(`${basename(file)} is not an ONNX model, or it is truncated (protobuf: ${(e as Error).message}).`);
  }
  if (!model.graph || !model.opsetImport?.length || !model.irVersion || toNumber(model.irVersion) <= 0) {
    bad(`${basename(file)} is not an ONNX model: it has no graph, IR version or opset (is it another kind of file?).`);
  }
  const hash = createHash('sha256').update(bytes);
  let total = bytes.length;
  const external = new Map<string, Buffer>();
  const tensors = [...(model.graph!.initializer ?? [])];
  for (const n of model.graph!.node ?? []) for (const a of n.attribute ?? []) if (a.t) tensors.push(a.t);
  for (const t of tensors) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value ?? undefined;
    const location = entry('location') ?? '';
    const real = externalDataPath(dir, location, t.name ?? '?');
    if (!external.has(real)) {
      const data = readBounded(real, maxBytes - total, `The model with its external data ${location}`);
      total += data.length;
      if (total > maxBytes)
        bad(`The model with its external data is over the ${(maxBytes / 1048576).toFixed(0)} MB limit (MAX_MODEL_BYTES).`);
      hash.update(location).update(data);
      external.set(real, data);
    }
    const data = external.get(real)!;
    const offset = Number(entry('offset') ?? 0);
    const length = entry('length') === undefined ? data.length - offset : Number(entry('length'));
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > data.length) {
      bad(`Tensor ${t.name}'s external data (offset ${offset}, length ${length}) runs past the end of ${location}.`, { tensor: t.name });
    }
    // Inlined: every later step (and ONNX Runtime) sees a self-contained tensor.
    t.rawData = data.subarray(offset, offset + length);
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    t.externalData = [];
  }
  return {
    dir,
    file,
    model,
    external,
    config: folder ? readJson(dir, 'config.json') : null,
    preprocessor: folder ? readJson(dir, 'preprocessor_config.json') : null,
    sha256: hash.digest('hex'),
    bytes: total,
  };
}
