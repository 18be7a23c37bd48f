import { createHash } from 'node:crypto';
import type * as Ort from 'onnxruntime-node';
import { compileImported } from './compile-imported.js';
import type { ImportedModel } from './imported-model.js';
import type { GraphSource } from '../executors/onnx-compiler/compile.js';
import type { SessionSettings } from '../executors/onnx-compiler/session-cache.js';
import { OrtExecutor } from '../executors/onnx.js';

/** An imported model's graphs: its own forward nodes plus backward nodes from the operator table (compile-imported.ts). */
export function importedGraphs(m: ImportedModel): GraphSource {
  // The graphs depend on the file and on how images are preprocessed into it.
  const topology = createHash('sha256').update(JSON.stringify(m.preprocessing)).digest('hex');
  return {
    identity: { weightsSha256: m.sha256, topology },
    compile: (kind, layer) => compileImported(m, kind, layer),
  };
}

/**
 * An imported ONNX classifier on ONNX Runtime, behind the same Executor interface as the
 * built-in network: activations NHWC at the boundary (the graphs are NCHW inside and transpose
 * there, as the built-in compiler's do), images RGB 0..255 with the model's preprocessing
 * inside its graphs. A graph that cannot take a batch runs one item per session call.
 */
export class ImportedOnnxExecutor extends OrtExecutor {
  protected readonly logitsKey = 'logits';

  private constructor(
    ort: typeof Ort,
    readonly imported: ImportedModel,
    settings: SessionSettings,
  ) {
    super(ort, imported, importedGraphs(imported), imported.classes, settings, imported.graph.unbatchable ? 1 : Infinity);
  }

  static async create(model: ImportedModel, settings: SessionSettings = {}): Promise<ImportedOnnxExecutor> {
    return new ImportedOnnxExecutor(await OrtExecutor.loadOrt(settings), model, settings);
  }
}
