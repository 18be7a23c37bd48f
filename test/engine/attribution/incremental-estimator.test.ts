import { describe, expect, it } from 'vitest';
import { tf } from '../../../server/engine/executors/tfjs-backend.js';
import { attribute, attributeOnce, validateInput, type AttributionInput, type Snapshot } from '../../../server/engine/attribution/index.js';
import { EngineError } from '../../../server/errors/engine-error.js';
import { Labels } from '../../../server/engine/labels.js';
import { image224, relativeL2, sharedNetwork, wasmExecutor } from '../../helpers/fixtures.js';

const request = (input: Partial<AttributionInput>) => {
  const net = sharedNetwork();
  return validateInput({ layer: 'mixed5a', class1: 'Pekinese', class2: 'tiger cat', method: 'PATH', ...input }, { labels: Labels.parse(net.labelsText), layers: net.layers });
};

async function collect(input: Partial<AttributionInput>, signal?: AbortSignal) {
  const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request(input), { signal });
  const snapshots: Snapshot[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { snapshots, result: r.value };
    snapshots.push(r.value);
  }
}

describe('incremental estimator', () => {
  it('yields a snapshot per chunk, and its final snapshot equals the one-shot result bit for bit', async () => {
    const { snapshots, result } = await collect({ steps: 40, chunkSteps: 5, batchSize: 5 });
    expect(snapshots.map((s) => s.stepsDone)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(snapshots.at(-1)!.done).toBe(true);
    expect(snapshots.slice(0, -1).every((s) => !s.done && s.etaMs > 0)).toBe(true);
    const once = await attributeOnce(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 40, chunkSteps: 40, batchSize: 5 }));
    expect(result.values).toEqual(once.values);
    expect(Buffer.from(new Float64Array(result.values).buffer).equals(Buffer.from(new Float64Array(once.values).buffer))).toBe(true);
    // Interleaved steps: the first chunk's rescaled estimate is already close to the final one.
    expect(relativeL2(snapshots[0].values, result.values)).toBeLessThan(0.5);
    expect(snapshots.at(-1)!.rankStability).toBeGreaterThan(0.5);
  });

  it('snapshots carry top/bottom K, the completeness gap and the spatial map sums to the values', async () => {
    const { result } = await collect({ steps: 8, chunkSteps: 4, topK: 7 });
    expect(result.top).toHaveLength(7);
    expect(result.bottom).toHaveLength(7);
    expect(result.top[0].value).toBe(Math.max(...result.values));
    expect(result.bottom[0].value).toBe(Math.min(...result.values));
    const C = result.channels;
    const fromSpatial = new Float64Array(C);
    result.spatial.forEach((v, i) => (fromSpatial[i % C] += v));
    expect(relativeL2(Array.from(fromSpatial), result.values)).toBeLessThan(1e-5);
    expect(result.spatial.length).toBe(result.height * result.width * C);
  });

  it('hands over a running spatial map per snapshot, rescaled like the values; the last is the final map', async () => {
    const maps: Float32Array[] = [];
    const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 12, chunkSteps: 4 }), { onSpatial: (m) => maps.push(m) });
    const snapshots: Snapshot[] = [];
    let r = await it.next();
    for (; !r.done; r = await it.next()) {
      // Handed over before the snapshot it belongs to.
      expect(maps).toHaveLength(snapshots.length + 1);
      snapshots.push(r.value);
    }
    const result = r.value;
    expect(maps).toHaveLength(3);
    const C = result.channels;
    for (const [k, map] of maps.entries()) {
      expect(map.length).toBe(result.height * result.width * C);
      const sums = new Float64Array(C);
      map.forEach((v, i) => (sums[i % C] += v));
      expect(relativeL2(Array.from(sums), snapshots[k].values)).toBeLessThan(1e-5);
    }
    expect(new Set(maps.map((m) => m.buffer)).size).toBe(3);
    expect(relativeL2(Array.from(maps[0]), Array.from(maps[1]))).toBeGreaterThan(1e-4);
    expect(relativeL2(Array.from(maps[2]), Array.from(result.spatial))).toBeLessThan(1e-6);
  });

  it('cancellation takes effect between chunks', async () => {
    const ctl = new AbortController();
    const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 30, chunkSteps: 3 }), { signal: ctl.signal });
    const first = await it.next();
    expect(first.done).toBe(false);
    ctl.abort();
    await expect(it.next()).rejects.toThrow(EngineError);
  });

  it('STOCHASTIC_PATH: the same seed gives the same numbers, another seed differs', async () => {
    const a = await collect({ method: 'STOCHASTIC_PATH', steps: 6, seed: 7, chunkSteps: 2 });
    const b = await collect({ method: 'STOCHASTIC_PATH', steps: 6, seed: 7, chunkSteps: 6 });
    const c = await collect({ method: 'STOCHASTIC_PATH', steps: 6, seed: 8, chunkSteps: 2 });
    expect(a.result.values).toEqual(b.result.values);
    expect(relativeL2(a.result.values, c.result.values)).toBeGreaterThan(1e-3);
    const plain = await collect({ method: 'PATH', steps: 6 });
    expect(relativeL2(a.result.values, plain.result.values)).toBeGreaterThan(1e-3);
  });

  it('does not leak tensors: the count after 50 jobs equals the count after 1', async () => {
    const ex = await wasmExecutor();
    const run = () => attributeOnce(ex, image224('fruits'), request({ layer: 'mixed5b', class1: 'lemon', class2: 'logsumexp', steps: 2 }));
    await run();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 49; i++) await run();
    expect(tf.memory().numTensors).toBe(after1);
  });
});
