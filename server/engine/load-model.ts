import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../errors/engine-error.js';
import { createExecutor, type BackendChoice, type ExecutorSettings } from './executors/index.js';
import type { Executor } from './executors/executor.js';
import type { ImportedModel, ImportOptions } from './onnx-import/imported-model.js';
import { loadNetwork } from './network/network.js';
import type { Preprocessing } from './onnx-import/preprocessing.js';

/** An imported model to serve instead of the built-in one: its folder or .onnx file, and the user's overrides. */
export interface ImportedModelChoice extends Omit<ImportOptions, 'imagenetLabels'> {
  path: string;
}

/** What a loaded model says about itself beyond its description: where it came from and the defaults taken. */
export interface ModelSource {
  kind: 'builtin' | 'imported';
  /** The model folder (built-in) or the imported folder or file. */
  path: string;
  /** An imported model's sha256 (graph and external data), its opset, preprocessing and logit count. */
  sha256?: string;
  opset?: number;
  preprocessing?: Preprocessing;
  classes: number;
  /** Where the graph cannot take a batch (imported), so path steps run one at a time. */
  unbatchable?: { node: string; why: string };
  /** One line per default the user should know was taken (no preprocessor_config.json, ...). */
  notes: string[];
}

/**
 * The engine's one entry point to a model: the built-in GoogLeNet from `modelDir`, or an
 * imported ONNX classifier (read, checked, folded and described by onnx-import/), with the
 * executor that runs it. CPU work of a second or more: call it in a worker thread.
 */
export async function loadModel(
  options: { modelDir?: string; allowUnknownWeights?: boolean; model?: ImportedModelChoice; backend: BackendChoice } & ExecutorSettings,
): Promise<{ executor: Executor; source: ModelSource }> {
  const { modelDir, allowUnknownWeights, model, backend, ...settings } = options;
  // (modelDir may be empty with an imported model: the built-in one is then not on this machine.)
  if (!model) {
    const network = loadNetwork(modelDir, { allowUnknownWeights });
    const executor = await createExecutor(network, backend, settings);
    return {
      executor,
      source: { kind: 'builtin', path: network.dir, classes: network.byName.get(network.logitsNode)!.shape[0], notes: [] },
    };
  }
  if (backend === 'tfjs') {
    throw new EngineError('BAD_ARGUMENT', 'An imported ONNX model runs on ONNX Runtime only: use --backend onnx (or auto).');
  }
  const [{ importModel }, { ImportedOnnxExecutor }] = await Promise.all([
    import('./onnx-import/imported-model.js'),
    import('./onnx-import/imported-onnx-executor.js'),
  ]);
  const { path, ...choice } = model;
  const imported: ImportedModel = importModel(path, { ...choice, imagenetLabels: imagenetLabels(modelDir) });
  const executor = await ImportedOnnxExecutor.create(imported, {
    threads: settings.threads,
    provider: settings.provider ?? 'cpu',
    spinning: settings.spinning ?? false,
    cacheDir: settings.cacheDir,
  });
  // The whole-image graph now (every prediction needs it): a graph ONNX Runtime refuses is
  // refused here, as a bad model, before any request.
  try {
    await executor.prepare('image-logits', 'logits');
  } catch (e) {
    executor.dispose();
    const why = (e as Error).message.replace(/^ONNX Runtime rejected the compiled [^:]*: /, '').split('\n')[0];
    throw new EngineError('BAD_MODEL', `ONNX Runtime refuses the model ${imported.name}: ${why}`, { model: imported.path });
  }
  return {
    executor,
    source: {
      kind: 'imported',
      path: imported.path,
      sha256: imported.sha256,
      opset: imported.opset,
      preprocessing: imported.preprocessing,
      classes: imported.classes,
      unbatchable: imported.graph.unbatchable,
      notes: imported.notes,
    },
  };
}

/** The built-in model's labels.txt, the ImageNet names imported 1000-class models default to; undefined where it is not there. */
function imagenetLabels(modelDir: string | undefined): string | undefined {
  const file = modelDir ? join(modelDir, 'labels.txt') : undefined;
  return file && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
