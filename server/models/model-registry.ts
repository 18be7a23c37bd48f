import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../errors/engine-error.js';
import { ModelError } from '../errors/model-error.js';
import { BUILTIN_MODEL_ID, fingerprintOf, MODEL_ID_PATTERN, type ModelRef } from '../engine/model-ref.js';

/** The file an ONNX model folder is read from (Hugging Face's export layout). */
export const MODEL_FILE = 'model.onnx';
/** Where an uploaded labels file is kept (the engine's `--labels`: one class per line, or JSON id2label). */
const LABELS_FILE = 'labels.txt';
const STAGING_PREFIX = '.staging-';
const TRASH_PREFIX = '.trash-';
/** A staging folder this old was left by a crash mid-import (an import in progress writes to it all the time). */
const STALE_STAGING_MS = 60 * 60 * 1000;

/** One uploaded file, as the multipart request hands it over. */
export interface UploadedFile {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

/** What an import brings: the `.onnx` and, optionally, the files of its folder. */
export interface ModelUpload {
  model: UploadedFile;
  config?: UploadedFile | null;
  preprocessorConfig?: UploadedFile | null;
  labels?: UploadedFile | null;
  /** External data files the `.onnx` names by location, stored beside it under their own names. */
  externalData?: UploadedFile[] | null;
}

export interface RegistryOptions {
  /** MODEL_DIR: the built-in GoogLeNet (TensorFlow.js layout). */
  builtinDir: string;
  /** MODELS_DIR: one folder (or `.onnx` file) per imported model; the id is its name. */
  modelsDir: string;
  /** MAX_MODELS: imported models at most. */
  maxModels: number;
  /** MAX_MODEL_BYTES: the most one import may carry, all its files together. */
  maxModelBytes: number;
}

/**
 * The models on disk: the built-in GoogLeNet first, then every model folder in MODELS_DIR, read
 * afresh on each call so that a model another instance imported onto a shared volume is seen at
 * once. Imports are written to a staging folder inside MODELS_DIR and renamed into place once the
 * engine has checked them, so a failed or interrupted import leaves no model behind; deletes
 * rename the folder away first, so no reader sees half a model.
 */
export class ModelRegistry {
  constructor(readonly options: RegistryOptions) {
    mkdirSync(options.modelsDir, { recursive: true });
    this.removeLeftovers();
  }

  get modelsDir() {
    return this.options.modelsDir;
  }

  /** The built-in model, then the imported ones by id. */
  list(): ModelRef[] {
    return [this.builtin(), ...this.imported()];
  }

  builtin(): ModelRef {
    return { id: BUILTIN_MODEL_ID, path: this.options.builtinDir, format: 'builtin', fingerprint: fingerprintOf(this.options.builtinDir) };
  }

  imported(): ModelRef[] {
    const dir = this.options.modelsDir;
    if (!existsSync(dir)) return [];
    const out: ModelRef[] = [];
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      let stats: Stats;
      try {
        stats = statSync(path);
      } catch {
        continue; // deleted while we looked
      }
      const id = stats.isDirectory() ? name : name.endsWith('.onnx') ? basename(name, '.onnx') : null;
      if (!id || !MODEL_ID_PATTERN.test(id) || id === BUILTIN_MODEL_ID) continue;
      if (stats.isDirectory() && !existsSync(join(path, MODEL_FILE))) continue;
      if (out.some((m) => m.id === id)) continue; // a folder and a file of one name: the folder (sorted first) wins
      out.push(onnxModel(id, path));
    }
    return out;
  }

  /** The model of an id (none: the built-in); UNKNOWN_MODEL lists the ids there are. */
  resolve(id?: string | null): ModelRef {
    const models = this.list();
    if (id == null || id === '') return models[0];
    const found = models.find((m) => m.id === id);
    if (found) return found;
    const valid = models.map((m) => m.id);
    throw new EngineError('UNKNOWN_MODEL', `Unknown model "${id}": the models are ${valid.join(', ')}.`, { valid });
  }

  /**
   * Checks the limits and writes the upload into a fresh staging folder, named as the engine reads
   * a model folder. The caller checks the folder, then `commit`s or `discard`s it.
   */
  async stage(upload: ModelUpload): Promise<string> {
    const files = uploadFiles(upload);
    const bytes = files.reduce((n, f) => n + f.file.size, 0);
    const { maxModelBytes, maxModels } = this.options;
    if (bytes > maxModelBytes) throw tooLarge(bytes, maxModelBytes);
    if (this.imported().length >= maxModels) {
      throw new ModelError(
        'TOO_MANY_MODELS',
        `This server holds ${maxModels} imported models, its limit (MAX_MODELS): delete one before importing another.`,
        { maxModels },
      );
    }
    const staged = join(this.options.modelsDir, `${STAGING_PREFIX}${randomUUID()}`);
    mkdirSync(staged);
    try {
      for (const { name, file } of files)
        await pipeline(Readable.from(chunks(file.stream())), createWriteStream(join(staged, name), { flags: 'wx' }));
    } catch (e) {
      await this.discard(staged);
      throw e;
    }
    return staged;
  }

  /** Moves a checked staging folder into place as model `id` (one rename: readers see all of it or nothing). */
  commit(staged: string, id: string): ModelRef {
    const path = join(this.options.modelsDir, id);
    if (this.list().some((m) => m.id === id) || existsSync(path)) throw modelExists(id);
    try {
      renameSync(staged, path);
    } catch (e) {
      // Another import of the same id won the race (the rename onto a non-empty folder fails).
      if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') throw modelExists(id);
      throw e;
    }
    return onnxModel(id, path);
  }

  async discard(staged: string): Promise<void> {
    await rm(staged, { recursive: true, force: true });
  }

  /**
   * An id for an upload that gave none: the `.onnx` file's name (unless it is the generic
   * `model.onnx`), else `model`, made unique with a number.
   */
  suggestId(fileName: string): string {
    const stem = basename(fileName).replace(/\.onnx$/i, '');
    let base = (stem.toLowerCase() === 'model' ? 'model' : stem)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    if (!base || base === BUILTIN_MODEL_ID) base = 'model';
    base = base.slice(0, 56);
    const taken = new Set(this.list().map((m) => m.id));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  /** Checks a requested id: its form, and that no model has it. */
  checkNewId(id: string) {
    if (!MODEL_ID_PATTERN.test(id)) {
      throw new EngineError(
        'BAD_ARGUMENT',
        `The model id "${id}" is not usable: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
      );
    }
    if (this.list().some((m) => m.id === id)) throw modelExists(id);
  }

  /** Removes an imported model's files: renamed away first (one step), then deleted. */
  async remove(id: string): Promise<void> {
    const model = this.resolve(id);
    if (model.format === 'builtin') throw builtinModel();
    const trash = join(this.options.modelsDir, `${TRASH_PREFIX}${randomUUID()}`);
    renameSync(model.path, trash);
    await rm(trash, { recursive: true, force: true });
  }

  /** Trash a delete did not finish, and staging folders a crash left (old ones only: another instance may be importing). */
  private removeLeftovers() {
    const dir = this.options.modelsDir;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      try {
        if (name.startsWith(TRASH_PREFIX)) rmSync(path, { recursive: true, force: true });
        else if (name.startsWith(STAGING_PREFIX) && Date.now() - statSync(path).mtimeMs > STALE_STAGING_MS)
          rmSync(path, { recursive: true, force: true });
      } catch {
        // Another instance removed it first.
      }
    }
  }
}

/** A web stream's chunks (the multipart parser's streams are not Node's own ReadableStream, which Readable.fromWeb wants). */
async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** An imported model: its folder (a labels file stored beside the .onnx names its classes) or bare .onnx file. */
function onnxModel(id: string, path: string): ModelRef {
  const labels = join(path, LABELS_FILE);
  return { id, path, format: 'onnx', fingerprint: fingerprintOf(path), ...(existsSync(labels) ? { choice: { labels } } : {}) };
}

/** The upload's files under the names the engine reads them by. */
function uploadFiles(upload: ModelUpload): { name: string; file: UploadedFile }[] {
  if (!/\.onnx$/i.test(upload.model.name ?? '')) {
    throw new EngineError(
      'BAD_MODEL',
      `"${upload.model.name}" is not an ONNX model file: upload the model's .onnx (e.g. model.onnx, as optimum-cli export onnx writes it).`,
    );
  }
  const files = [
    { name: MODEL_FILE, file: upload.model },
    ...(upload.config ? [{ name: 'config.json', file: upload.config }] : []),
    ...(upload.preprocessorConfig ? [{ name: 'preprocessor_config.json', file: upload.preprocessorConfig }] : []),
    ...(upload.labels ? [{ name: LABELS_FILE, file: upload.labels }] : []),
  ];
  for (const file of upload.externalData ?? []) {
    const name = file.name ?? '';
    // The .onnx names its external data by a location inside its folder: a plain file name here.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || files.some((f) => f.name === name)) {
      throw new EngineError(
        'BAD_MODEL',
        `External data file "${name}" cannot be stored beside the model: give it the plain file name the .onnx refers to (letters, digits, '.', '_', '-'), other than model.onnx, config.json, preprocessor_config.json and labels.txt.`,
      );
    }
    files.push({ name, file });
  }
  return files;
}

export function tooLarge(bytes: number, limit: number) {
  return new ModelError(
    'MODEL_TOO_LARGE',
    `The model upload is ${formatBytes(bytes)}, over this server's limit of ${formatBytes(limit)} (MAX_MODEL_BYTES).`,
    { maxModelBytes: limit },
  );
}

const modelExists = (id: string) =>
  new ModelError('MODEL_EXISTS', `A model with the id "${id}" exists already: choose another id, or delete that model first.`, { id });

export const builtinModel = () =>
  new ModelError('MODEL_IN_USE', `"${BUILTIN_MODEL_ID}" is the built-in model; it cannot be deleted.`, { id: BUILTIN_MODEL_ID });

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}
