import type { Executor } from '../../executors/executor.js';
import type { InputGradientEngine } from './input-gradient-engine.js';

/**
 * The input-gradient engine for an executor: ONNX Runtime's compiled graph when the executor is
 * ONNX (several times faster), else tf.grad over the TensorFlow.js executor.
 */
export async function createInputGradientEngine(executor: Executor, threads?: number): Promise<InputGradientEngine> {
  if (executor.backend.startsWith('onnxruntime')) {
    const [{ OnnxInputGradients }, { OnnxExecutor }, { ImportedOnnxExecutor }, { compileImportedInputGradient }] = await Promise.all([
      import('./onnx-input-gradients.js'),
      import('../../executors/onnx.js'),
      import('../../onnx-import/imported-onnx-executor.js'),
      import('../../onnx-import/compile-input-gradient.js'),
    ]);
    if (executor instanceof OnnxExecutor) return OnnxInputGradients.create(executor.network, { threads });
    if (executor instanceof ImportedOnnxExecutor) {
      const m = executor.imported;
      return OnnxInputGradients.over(
        {
          layers: m.layers,
          graph: (layer, size) => compileImportedInputGradient(m, layer, size),
          maxBatch: m.graph.unbatchable ? 1 : undefined,
        },
        { threads },
      );
    }
    throw new Error(`No input-gradient engine for ${executor.model.name} on ${executor.backend}.`);
  }
  const [{ TfjsExecutor }, { TfjsInputGradients }] = await Promise.all([
    import('../../executors/tfjs.js'),
    import('./tfjs-input-gradients.js'),
  ]);
  if (!(executor instanceof TfjsExecutor)) throw new Error(`No input-gradient engine for backend ${executor.backend}.`);
  return new TfjsInputGradients(executor);
}

export type { InputGradientEngine, ChannelGradients } from './input-gradient-engine.js';
