import type { Network } from '../network/network.js';
import type { Executor } from './executor.js';
import type { BackendChoice, ExecutorSettings } from './executor-settings.js';

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
export type { BackendChoice, ExecutorSettings } from './executor-settings.js';
