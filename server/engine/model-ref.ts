import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { ImportedModelChoice } from './load-model.js';

/** The built-in network's id: BVLC GoogLeNet from MODEL_DIR, the default model. */
export const BUILTIN_MODEL_ID = 'googlenet-bvlc';

/**
 * Which model a request runs on, as it crosses to an engine worker: enough for the worker to load
 * it without a registry of its own.
 */
export interface ModelRef {
  id: string;
  /** The folder the engine loads (for an ONNX model, a folder in Hugging Face's layout or a bare `.onnx` file). */
  path: string;
  /** `builtin`: the TensorFlow.js GoogLeNet folder of MODEL_DIR; `onnx`: an imported ONNX model. */
  format: 'builtin' | 'onnx';
  /**
   * Changes whenever the model's files do (their names, sizes and times): sessions, caches and
   * stored files are keyed by it, so a model deleted and imported again under the same id never
   * meets the old one's.
   */
  fingerprint: string;
  /** An imported model's overrides: a labels file, the preprocessing, the size bound (the CLI's flags; the registry's labels.txt). */
  choice?: Omit<ImportedModelChoice, 'path'>;
}

/** The key of everything computed from a model's files. */
export const modelKey = (m: Pick<ModelRef, 'id' | 'fingerprint'>) => `${m.id}@${m.fingerprint}`;

/** Ids are folder names that read well in URLs, file paths and logs. */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Names, sizes and modification times of every file under `path`, hashed. */
export function fingerprintOf(path: string): string {
  const hash = createHash('sha256');
  const visit = (p: string, rel: string) => {
    let s: Stats;
    try {
      s = statSync(p);
    } catch {
      return;
    }
    if (s.isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(join(p, name), `${rel}/${name}`);
    } else hash.update(`${rel}\0${s.size}\0${Math.round(s.mtimeMs)}\n`);
  };
  visit(path, '');
  return hash.digest('hex').slice(0, 16);
}
