import { estimate, type EstimatorOptions } from '../attribution/incremental-estimator.js';
import { integratedGradient } from '../attribution/integration-state.js';
import type { AttributionPath } from '../attribution/methods/path.js';
import type { AttributionRequest, AttributionResult, Snapshot } from '../attribution/types.js';
import type { Executor } from '../executors/executor.js';
import { groupAttribution } from './group-attribution.js';
import { neuronGroups } from './neuron-groups.js';
import type { GroupsEstimate } from './requests.js';

/**
 * The estimator with neuron groups: factors the activations once (NMF, in this worker), then
 * projects the running integrated gradient on each group after every chunk, so group
 * attributions refine live exactly as the channel values do. For SIMPLE the "integrated"
 * gradient is the gradient at A: Lucid's linear form.
 */
export async function* estimateWithGroups(
  executor: Executor,
  acts: Float32Array,
  request: AttributionRequest & { groups: number },
  path: AttributionPath,
  options: EstimatorOptions = {},
): AsyncGenerator<Snapshot, AttributionResult> {
  const [height, width, channels] = executor.network.byName.get(request.layer)!.shape;
  const factors = neuronGroups(acts, { layer: request.layer, height, width, channels }, { groups: request.groups, seed: request.seed });
  let attribution = new Array<number>(factors.spatial.length).fill(0);
  const it = estimate(executor, acts, request, path, {
    ...options,
    onCheckpoint: (state) => {
      // Quadrature weights add up to 1 for every rule, so the rescaled sum is the integral.
      attribution = groupAttribution(factors, integratedGradient(state));
      options.onCheckpoint?.(state);
    },
  });
  for (;;) {
    const r = await it.next();
    if (r.done) return { ...r.value, groups: { factors, attribution: groupAttribution(factors, r.value.integratedGradient) } };
    yield { ...r.value, groups: { factors, attribution } };
  }
}
