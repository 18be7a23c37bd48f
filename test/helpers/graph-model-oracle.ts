import * as tf from '@tensorflow/tfjs';
import { readModelFiles } from '../../server/engine/network/model-source.js';
import { MODEL_DIR } from './fixtures.js';

/**
 * The oracle network: TensorFlow.js's own graph executor (loadGraphModel on model.json), loaded
 * on the `cpu` backend for tf.grad (its MaxPoolGrad routes ties to the first maximum). Only the
 * weights are shared with the code under test. Leaves the backend at wasm.
 */
export async function loadOracleGraphModel(): Promise<tf.GraphModel> {
  const files = readModelFiles(MODEL_DIR);
  const bin = files.weightData;
  tf.enableProdMode(); // no tfjs-node advert on the cpu backend's first use
  await tf.setBackend('cpu');
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: files.modelJson.modelTopology as any,
      format: files.modelJson.format,
      weightSpecs: files.modelJson.weightsManifest[0].weights as any,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    }),
  );
  await tf.setBackend('wasm');
  return model;
}
