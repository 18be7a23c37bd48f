import type { Executor } from '../executors/executor.js';
import { attributeAt } from './attribute.js';
import type { EstimatorOptions } from './incremental-estimator.js';
import { layerRequest, requestLayers } from './layer-set.js';
import type { AttributionRequest, AttributionResult, Snapshot } from './types.js';

/** What a multi-layer run yields: each layer's snapshots, then that layer's result. */
export type LayerStep = { layer: string; snapshot: Snapshot; result?: undefined } | { layer: string; result: AttributionResult };

/**
 * Activations of several layers for one image: one forward pass where the executor has one
 * (each layer's equal to its own forward pass bit for bit), else one pass per layer.
 */
export async function layerActivations(executor: Executor, image: Float32Array, layers: readonly string[]): Promise<Float32Array[]> {
  if (layers.length > 1 && executor.activationsOf) return executor.activationsOf(image, layers);
  const out: Float32Array[] = [];
  for (const layer of layers) out.push(await executor.activations(image, layer));
  return out;
}

export interface LayersOptions {
  /** The layers to run, in order (default: all the request's): a resumed job skips those it has. */
  layers?: readonly string[];
  /** Each layer's estimator options (signal, checkpoints, resume state, spatial maps). */
  optionsFor?: (layer: string) => EstimatorOptions;
  /** Called before a layer starts, after the shared forward pass (an executor can compile its graphs then). */
  beforeLayer?: (layer: string) => Promise<void>;
}

/**
 * Attribution at several layers of one image: one forward pass gives every layer's activations,
 * then each layer integrates its own path, one layer after the other, exactly as a job at that
 * layer alone (layerRequest), so every layer's values equal that job's bit for bit. The layers
 * run in turn rather than interleaved: each path has its own gradient graph, and an executor
 * keeps only a few layers' graphs compiled (their memory arenas are hundreds of MB each).
 */
export async function* attributeLayers(
  executor: Executor,
  image: Float32Array,
  request: AttributionRequest,
  options: LayersOptions = {},
): AsyncGenerator<LayerStep, void> {
  const layers = options.layers ?? requestLayers(request);
  if (layers.length === 0) return;
  const acts = await layerActivations(executor, image, layers);
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    await options.beforeLayer?.(layer);
    const it = attributeAt(executor, acts[i], layerRequest(request, layer), options.optionsFor?.(layer));
    for (;;) {
      const r = await it.next();
      if (r.done) {
        yield { layer, result: r.value };
        break;
      }
      yield { layer, snapshot: r.value };
    }
    // The layer's activations are not needed again.
    acts[i] = new Float32Array(0);
  }
}
