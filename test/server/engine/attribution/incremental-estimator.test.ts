import { describe, expect, it } from 'vitest';
import { tf } from '../../../../server/engine/executors/tfjs-backend.js';
import {
  attribute,
  attributeOnce,
  decodeState,
  encodeState,
  validateInput,
  type AttributionInput,
  type Snapshot,
} from '../../../../server/engine/attribution/index.js';
import { EngineError } from '../../../../server/errors/engine-error.js';
import type { EstimatorOptions, IntegrationState } from '../../../../server/engine/attribution/incremental-estimator.js';
import { Labels } from '../../../../server/engine/labels.js';
import { image224, relativeL2, sharedNetwork, wasmExecutor } from '../../../helpers/fixtures.js';

const request = (input: Partial<AttributionInput>) => {
  const net = sharedNetwork();
  return validateInput(
    { layer: 'mixed5a', class1: 'Pekinese', class2: 'tiger cat', method: 'PATH', ...input },
    { labels: Labels.parse(net.labelsText), layers: net.layers },
  );
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
    const once = await attributeOnce(
      await wasmExecutor(),
      image224('dog_cat_composite'),
      request({ steps: 40, chunkSteps: 40, batchSize: 5 }),
    );
    expect(result.values).toEqual(once.values);
    expect(Buffer.from(new Float64Array(result.values).buffer).equals(Buffer.from(new Float64Array(once.values).buffer))).toBe(true);
    // Interleaved steps: the first chunk's rescaled estimate is already close to the final one.
    expect(relativeL2(snapshots[0].values, result.values)).toBeLessThan(0.5);
    expect(snapshots.at(-1)!.rankStability).toBeGreaterThan(0.5);
  });

  it('by default the first snapshot comes after a fifth of a chunk, and the ETA follows the pace after that warm-up chunk', async () => {
    // 20 steps: chunks of 2 by default, the first of 1. A clock where the first chunk takes 1 s
    // (warm-up) and every later step 5 ms: from the second snapshot on, the ETA is the time left.
    const ends = [1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20];
    const times = [0, 0, ...ends.map((e) => 1000 + 5 * (e - 1))];
    let call = 0;
    const now = () => times[Math.min(call++, times.length - 1)];
    const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 20 }), { now });
    const snapshots: Snapshot[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) snapshots.push(r.value);
    expect(snapshots.map((s) => s.stepsDone)).toEqual(ends);
    expect(snapshots[0].etaMs).toBe(1000 * 19);
    const finish = times.at(-1)!;
    snapshots.slice(1).forEach((s, i) => expect(s.etaMs).toBeCloseTo(finish - times[i + 3], 9));
    // An explicit chunk size is kept as asked.
    expect(request({ steps: 20, chunkSteps: 2 }).firstChunkSteps).toBeNull();
  });

  it('snapshots carry top/bottom K, the completeness gap and the spatial map sums to the values', async () => {
    const { result } = await collect({ steps: 8, chunkSteps: 4, topK: 7 });
    expect(result.top).toHaveLength(7);
    expect(result.bottom).toHaveLength(7);
    expect(result.top[0].value).toBe(Math.max(...result.values));
    expect(result.bottom[0].value).toBe(Math.min(...result.values));
    const C = result.spatial.channels;
    const fromSpatial = new Float64Array(C);
    result.spatial.data.forEach((v, i) => (fromSpatial[i % C] += v));
    expect(relativeL2(Array.from(fromSpatial), result.values)).toBeLessThan(1e-5);
    expect(result.spatial.data.length).toBe(result.spatial.height * result.spatial.width * C);
  });

  it('hands over a running spatial map per snapshot, rescaled like the values; the last is the final map', async () => {
    const maps: Float32Array[] = [];
    const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 12, chunkSteps: 4 }), {
      onSpatial: (m) => maps.push(m),
    });
    const snapshots: Snapshot[] = [];
    let r = await it.next();
    for (; !r.done; r = await it.next()) {
      // Handed over before the snapshot it belongs to.
      expect(maps).toHaveLength(snapshots.length + 1);
      snapshots.push(r.value);
    }
    const result = r.value;
    expect(maps).toHaveLength(3);
    const C = result.spatial.channels;
    for (const [k, map] of maps.entries()) {
      expect(map.length).toBe(result.spatial.height * result.spatial.width * C);
      const sums = new Float64Array(C);
      map.forEach((v, i) => (sums[i % C] += v));
      expect(relativeL2(Array.from(sums), snapshots[k].values)).toBeLessThan(1e-5);
    }
    expect(new Set(maps.map((m) => m.buffer)).size).toBe(3);
    expect(relativeL2(Array.from(maps[0]), Array.from(maps[1]))).toBeGreaterThan(1e-4);
    expect(relativeL2(Array.from(maps[2]), Array.from(result.spatial.data))).toBeLessThan(1e-6);
  });

  it('cancellation takes effect between chunks', async () => {
    const ctl = new AbortController();
    const it = attribute(await wasmExecutor(), image224('dog_cat_composite'), request({ steps: 30, chunkSteps: 3 }), {
      signal: ctl.signal,
    });
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

describe('integration state, resume and convergence', () => {
  async function run(input: Partial<AttributionInput>, options: EstimatorOptions = {}, image = 'dog_cat_composite') {
    const it = attribute(await wasmExecutor(), image224(image), request(input), options);
    const snapshots: Snapshot[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) return { snapshots, result: r.value };
      snapshots.push(r.value);
    }
  }
  const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);
  const without = ({ elapsedMs: _e, etaMs: _t, ...rest }: Snapshot) => rest;

  it('a run resumed from any checkpoint ends bit for bit equal to an uninterrupted one', async () => {
    for (const method of ['PATH', 'STOCHASTIC_PATH'] as const) {
      const input = { method, steps: 24, chunkSteps: 4, batchSize: 3, seed: 5 };
      const states: IntegrationState[] = [];
      const whole = await run(input, { onCheckpoint: (s) => states.push(s) });
      expect(states.map((s) => s.stepsDone)).toEqual([4, 8, 12, 16, 20, 24]);
      // The states are plain data: they survive a structured clone (a worker message) and their byte encoding (a store).
      for (const k of [1, 4]) {
        const saved = k === 1 ? structuredClone(states[k]) : decodeState(encodeState(states[k]));
        const resumed = await run(input, { resumeFrom: saved });
        expect(resumed.snapshots.map((s) => s.stepsDone)).toEqual(whole.snapshots.slice(k + 1).map((s) => s.stepsDone));
        resumed.snapshots.forEach((s, i) => expect(without(s)).toEqual(without(whole.snapshots[k + 1 + i])));
        expect(bits(resumed.result.values).equals(bits(whole.result.values))).toBe(true);
        expect(bits(resumed.result.errors).equals(bits(whole.result.errors))).toBe(true);
        expect(Buffer.from(resumed.result.integratedGradient.buffer).equals(Buffer.from(whole.result.integratedGradient.buffer))).toBe(
          true,
        );
      }
      const last = states.at(-1)!;
      expect(bits(last.gradientSum).equals(bits(states.at(-1)!.gradientSum))).toBe(true);
      expect(last.stepValues.length).toBe(24 * whole.result.spatial.channels);
    }
  });

  it('rejects a state from another request in one sentence', async () => {
    const states: IntegrationState[] = [];
    await run({ steps: 8, chunkSteps: 4 }, { onCheckpoint: (s) => states.push(s) });
    await expect(run({ layer: 'mixed5b', steps: 8, chunkSteps: 4 }, { resumeFrom: states[0] })).rejects.toThrow(
      /does not belong to this request/,
    );
  });

  it('the integrated gradient times the activations is the spatial map, and sums to the values', async () => {
    const { result } = await run({ steps: 8, chunkSteps: 8 });
    const acts = await (await wasmExecutor()).activations(image224('dog_cat_composite'), 'mixed5a');
    const C = result.spatial.channels;
    const sums = new Float64Array(C);
    result.integratedGradient.forEach((g, i) => {
      expect(Math.abs(g * acts[i] - result.spatial.data[i])).toBeLessThanOrEqual(1e-6 * (Math.abs(result.spatial.data[i]) + 1e-6));
      sums[i % C] += g * acts[i];
    });
    expect(relativeL2(Array.from(sums), result.values)).toBeLessThan(1e-5);
  });

  it('every snapshot carries one error per channel; SIMPLE is exact and settled', async () => {
    const { result } = await run({ steps: 16, chunkSteps: 4 });
    expect(result.errors).toHaveLength(result.spatial.channels);
    expect(result.errors.every((e) => e >= 0 && Number.isFinite(e))).toBe(true);
    expect(result.relativeError).toBeCloseTo(Math.hypot(...result.errors) / Math.hypot(...result.values), 12);
    const simple = await run({ method: 'SIMPLE' });
    expect(simple.result.errors.every((e) => e === 0)).toBe(true);
    expect(simple.result.relativeError).toBe(0);
    expect(simple.result.settled).toBe(true);
  });

  // Property: on every image tried, the estimated error falls as the nested levels fill in.
  it('the error estimate shrinks as steps accumulate (several images, both deterministic and stochastic)', async () => {
    for (const image of ['dog_cat_composite', 'fruits', 'chelsea_cat']) {
      for (const [rule, levels] of [
        ['SQUARED', [3, 6, 12, 24, 48]],
        ['SIDI', [1, 3, 7, 15, 31]],
      ] as const) {
        const det = await run({ rule, steps: levels.at(-1), chunkSteps: levels.at(-1), tolerance: 1e-9 }, {}, image);
        expect(det.snapshots.map((s) => s.stepsDone)).toEqual(levels);
        const rel = det.snapshots.slice(2).map((s) => s.relativeError);
        for (let i = 1; i < rel.length; i++) expect(rel[i]).toBeLessThan(rel[i - 1]);
      }
      const sto = await run({ method: 'STOCHASTIC_PATH', steps: 64, chunkSteps: 64, tolerance: 1e-9, seed: 3 }, {}, image);
      const s = sto.snapshots.filter((x) => x.stepsDone >= 4).map((x) => x.relativeError);
      expect(s.at(-1)!).toBeLessThan(s[0] / 2);
    }
  });

  it('a tolerance run stops at the first settled level within tolerance on an easy case, and runs to the maximum on a hard one', async () => {
    const easy = await run({ steps: 255, tolerance: 0.05 });
    expect(easy.result.done).toBe(true);
    // The default rule with a tolerance, SQUARED, nests at 3 * 2^k points: 192 of at most 255.
    expect(easy.result.stepsTotal).toBe(192);
    expect(easy.result.stepsDone).toBeLessThan(96);
    expect([3, 6, 12, 24, 48]).toContain(easy.result.stepsDone);
    expect(easy.result.settled).toBe(true);
    expect(easy.result.relativeError).toBeLessThanOrEqual(0.05);
    // Every earlier level was either unsettled or above the tolerance.
    for (const s of easy.snapshots.slice(0, -1)) expect(s.settled && s.relativeError <= 0.05).toBe(false);
    const hard = await run({ steps: 12, tolerance: 1e-6 });
    expect(hard.result.stepsDone).toBe(12);
    expect(hard.result.relativeError).toBeGreaterThan(1e-6);
  });
});
