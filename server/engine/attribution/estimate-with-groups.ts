import { layerShape } from '../layer-info.js';
import { estimate, type EstimatorOptions } from './incremental-estimator.js';
import type { AttributionPath } from './methods/path.js';
import type { AttributionRequest, AttributionResult, Snapshot } from './types.js';
import type { Executor } from '../executors/executor.js';
import { groupAttribution } from '../building-blocks/group-attribution.js';
import { neuronGroups } from '../building-blocks/neuron-groups.js';
import type { GroupsEstimate } from '../building-blocks/requests.js';

/**
 * The estimator with neuron groups: factors the activations once (NMF, in this worker), then
 * projects every step's gradient on each group, so group attributions refine live exactly as the
 * channel values do, error bars included (the same nested-difference or stratified estimates,
 * from the per-step group values). For SIMPLE the "integrated" gradient is the gradient at A:
 * Lucid's linear form.
 */
export async function* estimateWithGroups(
  executor: Executor,
  acts: Float32Array,
  request: AttributionRequest & { groups: number },
  path: AttributionPath,
  options: EstimatorOptions = {},
): AsyncGenerator<Snapshot, AttributionResult> {
  const [height, width, channels] = layerShape(executor.model.layers, request.layer);
  const factors = neuronGroups(acts, { layer: request.layer, height, width, channels }, { groups: request.groups, seed: request.seed });
  const it = estimate(executor, acts, request, path, {
    ...options,
    projection: { count: factors.spatial.length, project: (gradient) => groupAttribution(factors, gradient) },
  });
  const withGroups = <T extends Snapshot>({ projections, ...snapshot }: T): T =>
    ({
      ...snapshot,
      groups: { factors, attribution: projections!.values, errors: projections!.errors },
    }) as T;
  for (;;) {
    const r = await it.next();
    if (r.done) return withGroups(r.value);
    yield withGroups(r.value);
  }
}
