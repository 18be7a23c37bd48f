import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import p from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScoreSpec } from '../../../../../server/engine/executors/executor.js';
import { OnnxExecutor } from '../../../../../server/engine/executors/onnx.js';
import { compileGraph } from '../../../../../server/engine/executors/onnx-compiler/compile.js';
import { nchwcBlockSize, sameOutputs, sampleFeeds } from '../../../../../server/engine/executors/onnx-compiler/nchwc-rewrite.js';
import { sinkNchwcReorders } from '../../../../../server/engine/executors/onnx-compiler/nchwc-sinking.js';
import { OnnxWeights } from '../../../../../server/engine/executors/onnx-compiler/weights.js';
import { CLASS, image224, sharedNetwork } from '../../../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'nchwc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCORE: ScoreSpec = { class1: { kind: 'class', index: CLASS.pekinese }, class2: { kind: 'class', index: CLASS.tigerCat } };
const cpuFlags = () =>
  readFileSync('/proc/cpuinfo', 'utf8')
    .match(/^flags\s*:(.*)$/m)?.[1]
    .trim()
    .split(/\s+/) ?? [];
const options = (level: 'all' | 'disabled', file?: string): ort.InferenceSession.SessionOptions => ({
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
  graphOptimizationLevel: level,
  logSeverityLevel: 3,
  ...(file ? { optimizedModelFilePath: file } : {}),
});
const reorderCount = (bytes: Uint8Array) =>
  (p.onnx.ModelProto.decode(bytes).graph?.node ?? []).filter((n) => /^Reorder(In|Out)put$/.test(n.opType ?? '')).length;

describe('NCHWc block size', () => {
  it("is what MLAS picks for this CPU's vector width: 16 with AVX-512, 8 with AVX2", async () => {
    const flags = cpuFlags();
    const block = await nchwcBlockSize(ort);
    if (flags.includes('avx512f')) expect(block).toBe(16);
    else if (flags.includes('avx2')) expect(block).toBe(8);
    else expect([0, 4, 8]).toContain(block);
  });
});

describe('keeping NCHWc through the backward graph', () => {
  it.each(['mixed4d', 'mixed3b', 'mixed5a'])(
    '%s: the rewritten gradient graph has almost no reorders and gives ORT-optimized outputs bit for bit',
    async (layer) => {
      const block = await nchwcBlockSize(ort);
      if (!block) return; // ORT does not use NCHWc on this CPU: nothing to rewrite.
      const file = join(dir, `${layer}.onnx`);
      const own = await ort.InferenceSession.create(
        compileGraph(new OnnxWeights(sharedNetwork()), 'gradient', layer),
        options('all', file),
      );
      const optimized = new Uint8Array(readFileSync(file));
      const r = sinkNchwcReorders(optimized, block)!;
      expect(r).not.toBeNull();
      expect(r.reordersBefore).toBe(reorderCount(optimized));
      expect(r.reordersAfter).toBe(reorderCount(r.bytes));
      // Only the graph's boundary and a few NCHW-only ops keep reorders.
      expect(r.reordersAfter).toBeLessThanOrEqual(5);
      expect(r.reordersAfter).toBeLessThan(r.reordersBefore / 4);
      const rewritten = await ort.InferenceSession.create(r.bytes, options('disabled'));
      // Synthetic inputs (zeros and ties included), then the real activations along the path.
      expect(await sameOutputs(own, rewritten, sampleFeeds(ort, own)!)).toBe(true);
      const e = await OnnxExecutor.create(sharedNetwork());
      const acts = await e.activations(image224('dog_cat_composite'), layer);
      e.dispose();
      const [h, w, c] = sharedNetwork().byName.get(layer)!.shape;
      const points = new Float32Array(acts.length * 3);
      for (const [k, alpha] of [0, 0.37, 1].entries()) for (let i = 0; i < acts.length; i++) points[k * acts.length + i] = acts[i] * alpha;
      const weights = new Float32Array(1000);
      weights[CLASS.pekinese] = 1;
      weights[CLASS.tigerCat] = -1;
      const feeds = {
        acts: new ort.Tensor('float32', points, [3, h, w, c]),
        score_weights: new ort.Tensor('float32', weights, [1000]),
        lse_weight: new ort.Tensor('float32', new Float32Array([0.5]), [1]),
      };
      expect(await sameOutputs(own, rewritten, feeds)).toBe(true);
      await own.release();
      await rewritten.release();
    },
  );

  it('the executor keeps the rewrite when it builds a graph, and its gradients are those of the plain graph', async () => {
    const block = await nchwcBlockSize(ort);
    const e = await OnnxExecutor.create(sharedNetwork());
    const plain = await OnnxExecutor.create(sharedNetwork(), { optimizationLevel: 'extended' });
    await e.prepare('gradient', 'mixed4d');
    const timing = e.compileTimings.find((t) => t.kind === 'gradient')!;
    if (block) expect(timing.nchwc?.reordersAfter).toBeLessThan(timing.nchwc!.reordersBefore);
    else expect(timing.nchwc).toBeUndefined();
    const acts = await e.activations(image224('dog_cat_composite'), 'mixed4d');
    const [a, b] = await Promise.all([e.gradients('mixed4d', acts, 1, SCORE), plain.gradients('mixed4d', acts, 1, SCORE)]);
    let num = 0;
    let den = 0;
    for (let i = 0; i < acts.length; i++) {
      num += ((a.grads[i] - b.grads[i]) * acts[i]) ** 2;
      den += (b.grads[i] * acts[i]) ** 2;
    }
    // Another conv algorithm (im2col, no NCHWc) sums in another order: rounding apart, not more.
    expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
    e.dispose();
    plain.dispose();
  });
});
