import { EngineError } from '../../errors/engine-error.js';
import type { TfBackendName } from './tfjs-backend.js';

// How settings choose and configure an executor: apart from createExecutor, so that reading
// settings does not load ONNX Runtime's graph code into a process that never runs it.

/** ONNX Runtime's execution provider. `cuda` needs the CUDA EP binaries: `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js`. */
export type OrtProvider = 'cpu' | 'cuda';

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

/** The default bound on ONNX Runtime's intra-op spinning, in microseconds (ExecutorSettings.spinning). */
export const DEFAULT_SPIN_US = 100;
