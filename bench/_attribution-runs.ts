import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attribute,
  validateInput,
  type EstimatorOptions,
  type AttributionInput,
  type AttributionResult,
  type Snapshot,
} from '../server/engine/attribution/index.js';
import type { Executor } from '../server/engine/executors/executor.js';
import { decodeImage } from '../server/engine/images.js';
import type { Labels } from '../server/engine/labels.js';
import type { Network } from '../server/engine/network/network.js';
import { REPO_ROOT } from '../server/repo-root.js';

export type RunInput = Partial<AttributionInput> & { layer: string; class1: string; class2: string };

/** Runs one attribution in this thread (PATH, batch 16 unless `input` says otherwise) and keeps every snapshot. */
export function attributionRunner(executor: Executor, network: Network, labels: Labels, defaults: Partial<AttributionInput> = {}) {
  return async (image: Float32Array, input: RunInput, options?: EstimatorOptions) => {
    const request = validateInput({ method: 'PATH', batchSize: 16, ...defaults, ...input } as AttributionInput, {
      labels,
      layers: network.layers,
    });
    const it = attribute(executor, image, request, options);
    const snapshots: Snapshot[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) return { snapshots, result: r.value as AttributionResult };
      snapshots.push(r.value);
    }
  };
}

/** A 224 px copy from ../shared/images/224 and its class pair for benches: the model's top-1 vs its top-2 class, so any image works. */
export async function imageWithTopPair(executor: Executor, name: string) {
  const image = decodeImage(new Uint8Array(readFileSync(join(REPO_ROOT, '..', 'shared', 'images', '224', `${name}.png`)))).pixels;
  const logits = await executor.imageLogits(image);
  const [class1, class2] = Array.from(logits, (l, i) => [l, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 2)
    .map((p) => String(p[1]));
  return { image, class1, class2 };
}
