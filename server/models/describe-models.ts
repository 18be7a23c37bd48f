import { listedLayers } from '../engine/layer-info.js';
import type { ModelCatalog } from './model-catalog.js';

/** The start-up line listing the models: each with its layers and classes, and any that cannot be loaded, with why. */
export async function describeModels(catalog: ModelCatalog, modelsDir: string): Promise<string> {
  const listed = await catalog.list();
  const lines = listed.map(({ ref, engine, error }) =>
    engine
      ? `  ${ref.id}${engine.info.builtin ? ' (built-in, default)' : ''}: ${listedLayers(engine.info.layers).length} layers, ${engine.info.labels.classes.length} classes, ${engine.info.inputSize} px input`
      : `  ${ref.id}: cannot be loaded (${error})`,
  );
  return `models (MODELS_DIR ${modelsDir}):\n${lines.join('\n')}`;
}
