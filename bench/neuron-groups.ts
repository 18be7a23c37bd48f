import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExecutor } from '../server/engine/executors/index.js';
import { nmf } from '../server/engine/building-blocks/nmf.js';
import { truncatedSvd, fullSvd, rankKRelativeError } from '../server/engine/building-blocks/truncated-svd.js';
import { decodeImage } from '../server/engine/images.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * How long does a 6-group factorization take at mixed4d, and how close does it come
 * to the rank-6 truncated SVD, which no non-negative factorization can beat? For each image:
 * the randomized SVD behind the NNDSVDA start, the coordinate-descent iterations to tolerance
 * 1e-6 (the default) and to 1e-8, and scikit-learn's defaults (tol 1e-4, 200 iterations) for
 * comparison (this solver with them, not scikit-learn itself). Median of 3 runs; the machine is shared, so compare within one run.
 * `npx tsx bench/neuron-groups.ts`.
 */
const LAYER = 'mixed4d';
const K = 6;
const IMAGES = ['dog_cat_composite', 'chelsea_cat', 'fruits', 'person_dog_horse'];
const here = fileURLToPath(import.meta.url);

const network = loadNetwork();
const executor = await createExecutor(network);
const [h, w, c] = network.byName.get(LAYER)!.shape;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
};

console.log(`${K}-group NMF at ${LAYER} (${h * w} positions x ${c} channels), ${executor.backend} activations\n`);
console.log(
  'image              | SVD start ms | tol 1e-6: ms  iters  error | tol 1e-8: iters  error | tol 1e-4, 200 it: error | rank-6 SVD error',
);
console.log(
  '-------------------|--------------|-------------------------|-----------------------|-------------------------|-----------------',
);
for (const name of IMAGES) {
  const acts = await executor.activations(
    decodeImage(new Uint8Array(readFileSync(resolve(here, `../../../shared/images/224/${name}.png`)))).pixels,
    LAYER,
  );
  const svdMs = median([0, 1, 2].map(() => time(() => truncatedSvd(acts, h * w, c, K))[1]));
  const runs = [0, 1, 2].map(() => time(() => nmf(acts, h * w, c, { components: K })));
  const ms = median(runs.map((r) => r[1]));
  const def = runs[0][0];
  const tight = nmf(acts, h * w, c, { components: K, tolerance: 1e-8, maxIterations: 20000 });
  const sk = nmf(acts, h * w, c, { components: K, tolerance: 1e-4, maxIterations: 200 });
  const bound = rankKRelativeError(fullSvd(acts, h * w, c, K).all, K);
  console.log(
    `${name.padEnd(19)}| ${svdMs.toFixed(0).padStart(12)} | ${ms.toFixed(0).padStart(9)} ${String(def.iterations).padStart(6)} ${def.relativeError.toFixed(4).padStart(7)}` +
      ` | ${String(tight.iterations).padStart(15)} ${tight.relativeError.toFixed(4).padStart(7)} | ${sk.relativeError.toFixed(4).padStart(23)} | ${bound.toFixed(4).padStart(16)}`,
  );
}
executor.dispose();
