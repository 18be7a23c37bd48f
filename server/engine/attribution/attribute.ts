import type { Executor } from '../executors/executor.js';
import { estimateWithGroups } from './estimate-with-groups.js';
import { estimate, type EstimatorOptions } from './incremental-estimator.js';
import { gradientXActivation } from './methods/gradient-x-activation.js';
import { pathIntegratedGradients } from './methods/path-integrated-gradients.js';
import type { AttributionPath } from './methods/path.js';
import { stochasticPath } from './methods/stochastic-path.js';
import type { AttributionRequest, AttributionResult, Snapshot } from './types.js';

/** The path a request integrates along. */
export function pathFor(request: AttributionRequest): AttributionPath {
  switch (request.method) {
    case 'SIMPLE':
      return gradientXActivation();
    case 'PATH':
      return pathIntegratedGradients(request);
    case 'STOCHASTIC_PATH':
      return stochasticPath(request);
  }
}

/** Attribution for one image (224x224x3 RGB 0..255): a snapshot per chunk, then the result. */
export async function* attribute(
  executor: Executor,
  image: Float32Array,
  request: AttributionRequest,
  options?: EstimatorOptions,
): AsyncGenerator<Snapshot, AttributionResult> {
  return yield* attributeAt(executor, await executor.activations(image, request.layer), request, options);
}

/** Attribution from the layer's activations (`attribute` after its forward pass). */
export async function* attributeAt(
  executor: Executor,
  acts: Float32Array,
  request: AttributionRequest,
  options?: EstimatorOptions,
): AsyncGenerator<Snapshot, AttributionResult> {
  const { groups } = request;
  if (groups) return yield* estimateWithGroups(executor, acts, { ...request, groups }, pathFor(request), options);
  return yield* estimate(executor, acts, request, pathFor(request), options);
}

/** Runs to the end and returns only the result: the one-shot form of `attribute`. */
export async function attributeOnce(
  executor: Executor,
  image: Float32Array,
  request: AttributionRequest,
  options?: EstimatorOptions,
): Promise<AttributionResult> {
  const it = attribute(executor, image, request, options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}
