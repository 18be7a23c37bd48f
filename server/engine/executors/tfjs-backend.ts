import type * as Tf from '@tensorflow/tfjs';
import { EngineError } from '../../errors/engine-error.js';

/**
 * TensorFlow.js, loaded by initTf on first use: importing it costs ~0.25-0.75 s of CPU, which
 * a process running ONNX Runtime alone (the CLI, a server's engine) should not pay at start-up.
 */
export let tf: typeof Tf;
export type { Tf };

export type TfBackendName = 'wasm' | 'cpu' | 'tensorflow';

/**
 * Picks a TensorFlow.js backend. `tensorflow` is @tensorflow/tfjs-node(-gpu), an optional peer
 * a user may install; it is never required (its install downloads libtensorflow).
 */
export async function initTf(preferred: TfBackendName = 'wasm'): Promise<string> {
  tf ??= await import('@tensorflow/tfjs');
  if (preferred === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(pkg);
        await tf.setBackend('tensorflow');
        await tf.ready();
        return pkg.endsWith('gpu') ? 'tfjs-node-gpu' : 'tfjs-node';
      } catch {
        /* not installed: try the next */
      }
    }
    throw new EngineError(
      'BACKEND_UNAVAILABLE',
      'TF_BACKEND=tensorflow needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu installed; install one, or use the wasm backend.',
    );
  }
  if (preferred === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  // The cpu backend's first use prints an advert for tfjs-node in every process (that is
  // TF_BACKEND=tensorflow here); production mode silences TensorFlow.js's console messages only.
  if (preferred === 'cpu') tf.enableProdMode();
  if (!(await tf.setBackend(preferred))) {
    throw new EngineError('BACKEND_UNAVAILABLE', `TensorFlow.js backend ${preferred} failed to initialise.`);
  }
  await tf.ready();
  return `tfjs-${preferred}`;
}
