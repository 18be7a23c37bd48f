import { resolve } from 'node:path';
import { EngineError } from '../../errors/engine-error.js';
import type { Network } from '../network/network.js';
import type { Executor } from './executor.js';

export type BackendChoice = 'tfjs' | 'onnx' | 'auto';

export function parseBackendChoice(value: string | undefined): BackendChoice {
  const v = (value ?? 'auto').toLowerCase();
  if (v === 'tfjs' || v === 'onnx' || v === 'auto') return v;
  throw new EngineError('BAD_ARGUMENT', `Unknown backend "${value}": use tfjs, onnx or auto.`);
}

export interface ExecutorSettings {
  /** Intra-op threads for ONNX Runtime; defaults to the core count. */
  threads?: number;
  /** Where ONNX Runtime's optimized graphs are kept between processes; defaults to engineCacheDir(). */
  cacheDir?: string;
}

/**
 * ENGINE_CACHE_DIR, else DATA_DIR/onnx-cache (`./data` by default, as the server's data); `off`
 * (or an empty value) compiles every graph in memory each time.
 */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.ENGINE_CACHE_DIR;
  if (v !== undefined) return v === '' || v.toLowerCase() === 'off' ? undefined : resolve(v);
  return resolve(env.DATA_DIR || 'data', 'onnx-cache');
}

function ortProvider(value = process.env.ENGINE_ORT_PROVIDER): 'cpu' | 'cuda' {
  const v = (value ?? 'cpu').toLowerCase();
  if (v === 'cpu' || v === 'cuda') return v;
  throw new EngineError('BAD_ARGUMENT', `Unknown ENGINE_ORT_PROVIDER "${value}": use cpu or cuda.`);
}

/**
 * The executor for a backend choice (ENGINE_BACKEND / --backend). `auto` prefers ONNX Runtime,
 * several times faster than tfjs wasm here (bench/executors.ts), and falls back to tfjs, saying
 * why on stderr, when onnxruntime-node does not load. An explicit `onnx` never falls back.
 */
export async function createExecutor(
  network: Network,
  choice: BackendChoice = parseBackendChoice(process.env.ENGINE_BACKEND),
  settings: ExecutorSettings = {},
): Promise<Executor> {
  if (choice !== 'tfjs') {
    try {
      const { OnnxExecutor } = await import('./onnx.js');
      return await OnnxExecutor.create(network, {
        threads: settings.threads,
        provider: ortProvider(),
        spinning: process.env.ENGINE_ORT_SPINNING === '1',
        cacheDir: 'cacheDir' in settings ? settings.cacheDir : engineCacheDir(),
      });
    } catch (e) {
      if (choice === 'onnx') throw e;
      console.warn(`[engine] ONNX Runtime unavailable, falling back to TensorFlow.js: ${(e as Error).message}`);
    }
  }
  const { TfjsExecutor } = await import('./tfjs.js');
  const tfBackend = (process.env.TF_BACKEND ?? 'wasm') as 'wasm' | 'cpu' | 'tensorflow';
  return TfjsExecutor.create(network, tfBackend);
}

export type { Executor, LayerPreparation } from './executor.js';
