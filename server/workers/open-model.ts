import type { Executor } from '../engine/executors/executor.js';
import { loadModel, type ModelSource } from '../engine/load-model.js';
import type { ModelRef } from '../engine/model-ref.js';
import type { ModelLoading, WorkerReady } from './protocol.js';

/** A model loaded in a worker: its executor, and its description for the pool. */
export interface OpenedModel {
  executor: Executor;
  source: ModelSource;
  description: WorkerReady;
}

/** Loads a model for a worker thread (the engine's own loadModel): the built-in GoogLeNet, or an imported ONNX classifier. */
export async function openModel(ref: ModelRef, options: ModelLoading): Promise<OpenedModel> {
  const { modelDir, maxModelBytes, ...settings } = options;
  const { executor, source } = await loadModel({
    ...settings,
    modelDir: ref.format === 'builtin' ? ref.path : modelDir,
    model: ref.format === 'onnx' ? { maxBytes: maxModelBytes, ...ref.choice, path: ref.path } : undefined,
  });
  const m = executor.model;
  return {
    executor,
    source,
    description: { name: m.name, backend: executor.backend, inputSize: m.inputSize, layers: m.layers, labelsText: m.labelsText, source },
  };
}
