import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreSpec } from '../../../../../server/engine/executors/executor.js';
import { OnnxExecutor } from '../../../../../server/engine/executors/onnx.js';
import {
  OptimizedGraphCache,
  compilerFingerprint,
  type GraphIdentity,
} from '../../../../../server/engine/executors/onnx-compiler/optimized-graph-cache.js';
import { image224, relativeL2, sharedNetwork, CLASS } from '../../../../helpers/fixtures.js';

const LAYER = 'mixed4d';
const SCORE: ScoreSpec = { class1: { kind: 'class', index: CLASS.pekinese }, class2: { kind: 'class', index: CLASS.tigerCat } };
const dir = mkdtempSync(join(tmpdir(), 'graph-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The layer's three graphs' outputs on one image and a batch of two path points. */
async function outputs(e: OnnxExecutor) {
  const acts = await e.activations(image224('dog_cat_composite'), LAYER);
  const points = new Float32Array(acts.length * 2);
  for (let i = 0; i < acts.length; i++) points[acts.length + i] = acts[i] * 0.5;
  const logits = await e.logits(LAYER, points, 2);
  const { grads, scores } = await e.gradients(LAYER, points, 2, SCORE);
  return { acts, logits, grads, scores };
}

let reference: Awaited<ReturnType<typeof outputs>>;
beforeAll(async () => {
  // The oracle: the graphs built and optimized in memory, no cache involved.
  const plain = await OnnxExecutor.create(sharedNetwork());
  reference = await outputs(plain);
  plain.dispose();
});

describe('optimized graph cache', () => {
  it("a second executor loads every graph from the first one's files, skips building, and computes the same values", async () => {
    const first = await OnnxExecutor.create(sharedNetwork(), { cacheDir: dir });
    // The activations and gradient graphs: an attribution's end scores come with its first gradient call.
    expect(await first.prepareLayer(LAYER)).toMatchObject({ graphs: 2, fromCache: 0 });
    await first.prepare('logits', LAYER);
    first.dispose();
    expect(readdirSync(dir).filter((f) => f.endsWith('.onnx'))).toHaveLength(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(0);

    const second = await OnnxExecutor.create(sharedNetwork(), { cacheDir: dir });
    expect(await second.prepareLayer(LAYER)).toMatchObject({ graphs: 2, fromCache: 2 });
    const got = await outputs(second);
    expect(second.compileTimings).toHaveLength(3);
    expect(second.compileTimings.every((t) => t.cached && t.buildMs === 0)).toBe(true);
    second.dispose();
    expect(relativeL2(got.acts, reference.acts)).toBeLessThan(1e-6);
    expect(relativeL2(got.logits, reference.logits)).toBeLessThan(1e-6);
    expect(relativeL2(got.grads, reference.grads)).toBeLessThan(1e-5);
    expect(relativeL2(got.scores, reference.scores)).toBeLessThan(1e-6);
  });

  it('a damaged cache file is dropped and rebuilt, and the values stay right', async () => {
    const file = readdirSync(dir).find((f) => f.startsWith('gradient-'))!;
    truncateSync(join(dir, file), 1000);
    const e = await OnnxExecutor.create(sharedNetwork(), { cacheDir: dir });
    expect(await e.prepareLayer(LAYER)).toMatchObject({ graphs: 2, fromCache: 1 });
    const got = await outputs(e);
    e.dispose();
    expect(statSync(join(dir, file)).size).toBeGreaterThan(1_000_000);
    expect(relativeL2(got.grads, reference.grads)).toBeLessThan(1e-5);
  });

  it('another pool-gradient form is another file, not the cached one', async () => {
    const e = await OnnxExecutor.create(sharedNetwork(), { cacheDir: dir, poolGrad: 'separable' });
    await e.prepareLayer(LAYER);
    const got = await outputs(e);
    e.dispose();
    expect(e.compileTimings.find((t) => t.kind === 'gradient')?.cached).toBe(false);
    expect(relativeL2(got.grads, reference.grads)).toBeLessThan(1e-4);
  });

  it('the file name changes with the weights, the network, the settings, ORT and the compiler sources', () => {
    const cache = new OptimizedGraphCache(dir, 1e9, 'compiler-a');
    const id: GraphIdentity = {
      weightsSha256: 'w',
      topology: 't',
      kind: 'gradient',
      layer: LAYER,
      settings: { poolGrad: null },
      ortVersion: '1.30.0',
    };
    const base = cache.pathFor(id);
    const variants: GraphIdentity[] = [
      { ...id, weightsSha256: 'w2' },
      { ...id, topology: 't2' },
      { ...id, layer: 'mixed4e' },
      { ...id, settings: { poolGrad: 'separable' } },
      { ...id, ortVersion: '1.31.0' },
    ];
    for (const v of variants) expect(cache.pathFor(v)).not.toBe(base);
    expect(new OptimizedGraphCache(dir, 1e9, 'compiler-b').pathFor(id)).not.toBe(base);
    expect(compilerFingerprint()).toMatch(/^[0-9a-f]{64}$/);
    // No compiler sources found: no cache, rather than one that never invalidates.
    expect(compilerFingerprint(join(dir, 'nowhere'))).toBeNull();
    expect(new OptimizedGraphCache(dir, 1e9, null).lookup(id)).toBeUndefined();
  });

  it('keeps the most recently used files within its size limit', () => {
    const small = mkdtempSync(join(tmpdir(), 'graph-cache-prune-'));
    try {
      const cache = new OptimizedGraphCache(small, 2500, 'c');
      const ids = [0, 1, 2].map((i): GraphIdentity => ({
        weightsSha256: 'w',
        topology: 't',
        kind: 'logits',
        layer: `l${i}`,
        settings: {},
        ortVersion: 'v',
      }));
      for (const id of ids) {
        const scratch = cache.scratchPath(id)!;
        writeFileSync(scratch, Buffer.alloc(1000));
        cache.commit(id, scratch);
      }
      expect(cache.lookup(ids[0])).toBeUndefined();
      expect(cache.lookup(ids[1])).toBeDefined();
      expect(cache.lookup(ids[2])).toBeDefined();
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
  });
});
