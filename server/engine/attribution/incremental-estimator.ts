import { EngineError } from '../../errors/engine-error.js';
import type { Executor } from '../executors/executor.js';
import { evaluateScore } from '../executors/executor.js';
import { completenessGap, rankChannels, rankStability } from './channel-ranking.js';
import type { AttributionPath } from './methods/path.js';
import { interleavedOrder } from './quadrature.js';
import type { AttributionRequest, AttributionResult, Snapshot } from './types.js';

export interface EstimatorOptions {
  /** Checked between chunks: cancellation takes effect there and never inside an executor call. */
  signal?: AbortSignal;
  now?: () => number;
  /** Called before each snapshot with the running spatial map (NHWC), rescaled like the values; a fresh array each time. */
  onSpatial?: (spatial: Float32Array) => void;
}

/**
 * Integrates `path` in chunks of steps and yields a snapshot after each chunk; returns the final
 * result. Steps run in an interleaved order and are summed in that order whatever the chunk
 * size, so the last snapshot equals a one-chunk run bit for bit when batches line up.
 */
export async function* estimate(
  executor: Executor,
  acts: Float32Array,
  request: AttributionRequest,
  path: AttributionPath,
  options: EstimatorOptions = {},
): AsyncGenerator<Snapshot, AttributionResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const [height, width, channels] = executor.network.byName.get(request.layer)!.shape;
  const size = acts.length;
  const { alphas, weights } = path.quadrature;
  const n = alphas.length;
  const order = n === 1 ? [0] : interleavedOrder(n);
  const totalWeight = weights.reduce((a, b) => a + b, 0);

  const ends = new Float32Array(size * 2);
  ends.set(acts, 0);
  const endLogits = await executor.logits(request.layer, ends, 2);
  const score = evaluateScore(request.score, endLogits, 0);
  const baselineScore = evaluateScore(request.score, endLogits, 1000);

  const spatial = new Float64Array(size);
  let doneWeight = 0;
  let stepsDone = 0;
  let previous: Snapshot | undefined;
  const batchSize = Math.max(1, request.batchSize);
  const points = new Float32Array(size * batchSize);

  while (stepsDone < n) {
    if (options.signal?.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
    const chunk = order.slice(stepsDone, stepsDone + request.chunkSteps);
    for (let b0 = 0; b0 < chunk.length; b0 += batchSize) {
      const batch = chunk.slice(b0, b0 + batchSize);
      for (let j = 0; j < batch.length; j++) path.point(batch[j], acts, channels, points.subarray(j * size, (j + 1) * size));
      const { grads } = await executor.gradients(request.layer, points.subarray(0, batch.length * size), batch.length, request.score);
      for (let j = 0; j < batch.length; j++) {
        const w = weights[batch[j]];
        const g = grads.subarray(j * size, (j + 1) * size);
        for (let i = 0; i < size; i++) spatial[i] += w * g[i] * acts[i];
        doneWeight += w;
      }
    }
    stepsDone += chunk.length;
    const scale = doneWeight > 0 ? totalWeight / doneWeight : 0;
    const values = new Array<number>(channels).fill(0);
    for (let i = 0; i < size; i++) values[i % channels] += spatial[i];
    for (let c = 0; c < channels; c++) values[c] *= scale;
    if (options.onSpatial) {
      const running = new Float32Array(size);
      for (let i = 0; i < size; i++) running[i] = spatial[i] * scale;
      options.onSpatial(running);
    }
    const ranked = rankChannels(values, request.topK);
    const elapsedMs = now() - started;
    const snapshot: Snapshot = {
      stepsDone,
      stepsTotal: n,
      values,
      ...ranked,
      score,
      baselineScore,
      completenessGap: completenessGap(values, score, baselineScore),
      rankStability: rankStability(previous, ranked),
      elapsedMs,
      etaMs: stepsDone < n ? (elapsedMs / stepsDone) * (n - stepsDone) : 0,
      done: stepsDone === n,
    };
    previous = snapshot;
    yield snapshot;
    // Let cancel messages in: a worker handles them only when its event loop turns.
    await new Promise((r) => setImmediate(r));
  }
  return {
    ...previous!,
    backend: executor.backend,
    layer: request.layer,
    height,
    width,
    channels,
    spatial: Float32Array.from(spatial),
  };
}
