import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExecutor, type Executor } from '../server/engine/executors/index.js';
import { layerToLayerAttribution, validateLayerToLayer } from '../server/engine/building-blocks/layer-to-layer-attribution.js';
import { decodeImage } from '../server/engine/images.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * How long does a layer-to-layer spatial attribution take: mixed4d -> mixed5a, every
 * one of the 49 target positions (one backward pass each), on dog/cat? Per executor and per
 * number of targets run as one batch: the first call (compiles the graph on ONNX Runtime) and the
 * median of 3 warm calls. The machine is shared, so compare within one run; the load is printed.
 * `npx tsx bench/spatial-attribution.ts`.
 */
const FROM = 'mixed4d';
const TO = 'mixed5a';
const BATCHES = [1, 7, 49];
const here = fileURLToPath(import.meta.url);

const network = loadNetwork();
const pixels = decodeImage(new Uint8Array(readFileSync(resolve(here, '../../../shared/images/224/dog_cat_composite.png')))).pixels;
const request = validateLayerToLayer(network.layers, FROM, TO);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(executor: Executor, acts: Float32Array, batch: number) {
  const t0 = performance.now();
  await layerToLayerAttribution(executor, acts, request, { batch });
  return performance.now() - t0;
}

console.log(
  `layer-to-layer spatial attribution ${FROM} -> ${TO}, ${request.positions.length} targets, dog_cat_composite; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
console.log('executor          | targets per pass | first call ms | warm ms (median of 3) | warm ms per target');
console.log('------------------|------------------|---------------|-----------------------|-------------------');
for (const choice of ['onnx', 'tfjs'] as const) {
  const executor = await createExecutor(network, choice);
  const acts = await executor.activations(pixels, FROM);
  for (const batch of BATCHES) {
    const first = await timed(executor, acts, batch);
    const warm = median([await timed(executor, acts, batch), await timed(executor, acts, batch), await timed(executor, acts, batch)]);
    console.log(
      `${executor.backend.padEnd(18)}| ${String(batch).padStart(16)} | ${first.toFixed(0).padStart(13)} | ${warm.toFixed(0).padStart(21)} | ${(warm / request.positions.length).toFixed(1).padStart(18)}`,
    );
  }
  executor.dispose();
}
console.log(
  "\nOn ONNX Runtime the first row's first call also compiles the layer-gradient graph (one batch-dynamic session serves every row).",
);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
