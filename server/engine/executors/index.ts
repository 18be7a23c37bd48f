import { EngineError } from '../../errors/engine-error.js';
import type { Network } from '../network/network.js';
import type { Executor } from './executor.js';

export type BackendChoice = 'tfjs' | 'onnx' | 'auto';

export function parseBackendChoice(value: string | undefined): BackendChoice {
  const v = (value ?? 'auto').toLowerCase();
  if (v === 'tfjs' || v === 'onnx' || v === 'auto') return v;
  throw new EngineError('BAD_ARGUMENT', `Unknown backend "${value}": use tfjs, onnx or auto.`);
}

/** The executor for a backend choice (ENGINE_BACKEND / --backend); `auto` prefers the fastest that loads. */
export async function createExecutor(network: Network, choice: BackendChoice = parseBackendChoice(process.env.ENGINE_BACKEND)): Promise<Executor> {
  const { TfjsExecutor } = await import('./tfjs.js');
  const tfBackend = (process.env.TF_BACKEND ?? 'wasm') as 'wasm' | 'cpu' | 'tensorflow';
  return TfjsExecutor.create(network, tfBackend);
}

export type { Executor } from './executor.js';
