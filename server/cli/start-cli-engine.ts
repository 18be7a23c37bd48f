import { type EngineSettings, engineSettings } from '../settings.js';
import { EnginePool, type PoolOptions } from '../workers/pool.js';

type ModelOverrides = Omit<NonNullable<PoolOptions['model']>, 'path' | 'maxBytes'>;

/** What the CLIs take to pick a model: the built-in GoogLeNet, or `--model` with its preprocessing and label overrides. */
export interface CliModelOptions {
  backend?: string;
  model?: string;
  overrides?: ModelOverrides;
}

/**
 * One engine thread for a CLI run, on the built-in model or the imported one `--model` names,
 * with the settings from the environment; the import's notes (defaults it took) go to stderr.
 */
export async function startCliEngine(o: CliModelOptions): Promise<{ pool: EnginePool; engine: EngineSettings }> {
  const engine = engineSettings(process.env, { backend: o.backend, imported: !!o.model });
  const model = o.model ? { ...o.overrides, path: o.model, maxBytes: engine.maxModelBytes } : undefined;
  const pool = await EnginePool.start({
    size: 1,
    backend: engine.backend,
    modelDir: engine.modelDir,
    allowUnknownWeights: engine.allowUnknownWeights,
    model,
    executor: engine.executor,
  });
  for (const note of pool.info.source.notes) process.stderr.write(`note: ${note}\n`);
  return { pool, engine };
}
