import { EngineError } from '../../errors/engine-error.js';
import type { Network } from '../network/network.js';
import type { Executor } from './executor.js';
import type { OrtProvider } from './onnx-compiler/session-cache.js';
import type { TfBackendName } from './tfjs-backend.js';

export type BackendChoice = 'tfjs' | 'onnx' | 'auto';

export function parseBackendChoice(value: string | undefined): BackendChoice {
  const v = (value ?? 'auto').toLowerCase();
  if (v === 'tfjs' || v === 'onnx' || v === 'auto') return v;
  throw new EngineError('BAD_ARGUMENT', `Unknown backend "${value}": use tfjs, onnx or auto.`);
}

/** ENGINE_ORT_PROVIDER: `cuda` needs the CUDA build of onnxruntime-node (docs/configuration.md, GPU). */
export function parseOrtProvider(value: string | undefined): OrtProvider {
  const v = (value ?? 'cpu').toLowerCase();
  if (v === 'cpu' || v === 'cuda') return v;
  throw new EngineError('BAD_ARGUMENT', `Unknown ENGINE_ORT_PROVIDER "${value}": use cpu or cuda.`);
}

const TF_BACKENDS: readonly TfBackendName[] = ['wasm', 'cpu', 'tensorflow'];

/** TF_BACKEND: `tensorflow` is the optional tfjs-node(-gpu) a user may install. */
export function parseTfBackend(value: string | undefined): TfBackendName {
  const v = (value ?? 'wasm').toLowerCase();
  if ((TF_BACKENDS as readonly string[]).includes(v)) return v as TfBackendName;
  throw new EngineError('BAD_ARGUMENT', `Unknown TF_BACKEND "${value}": use ${TF_BACKENDS.join(', ')}.`);
}

export interface ExecutorSettings {
  /** Intra-op threads for ONNX Runtime; defaults to the core count. */
  threads?: number;
  /** ONNX Runtime's execution provider (default cpu). */
  provider?: OrtProvider;
  /** How ONNX Runtime's idle threads wait (ENGINE_ORT_SPINNING): off, ORT's own spin, or a bound in microseconds (default). */
  spinning?: boolean | number;
  /** The TensorFlow.js backend when tfjs runs (default wasm). */
  tfBackend?: TfBackendName;
  /** Where ONNX Runtime's optimized graphs are kept between processes (ENGINE_CACHE_DIR); unset: compiled in memory each time. */
  cacheDir?: string;
}

/**
 * The executor for a backend choice (ENGINE_BACKEND / --backend). `auto` prefers ONNX Runtime,
 * several times faster than tfjs wasm here (bench/executors.ts), and falls back to tfjs, saying
 * why on stderr, when onnxruntime-node does not load. An explicit `onnx` never falls back.
 */
export async function createExecutor(network: Network, choice: BackendChoice = 'auto', settings: ExecutorSettings = {}): Promise<Executor> {
  if (choice !== 'tfjs') {
    try {
      const { OnnxExecutor } = await import('./onnx.js');
      return await OnnxExecutor.create(network, {
        threads: settings.threads,
        provider: settings.provider ?? 'cpu',
        spinning: settings.spinning,
        cacheDir: settings.cacheDir,
      });
    } catch (e) {
      if (choice === 'onnx') throw e;
      console.warn(`[engine] ONNX Runtime unavailable, falling back to TensorFlow.js: ${(e as Error).message}`);
    }
  }
  const { TfjsExecutor } = await import('./tfjs.js');
  return TfjsExecutor.create(network, settings.tfBackend ?? 'wasm');
}

export type { Executor, LayerPreparation } from './executor.js';
export { DEFAULT_SPIN_US } from './onnx-compiler/session-cache.js';
