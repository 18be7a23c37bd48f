import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Executor, ScoreSpec } from '../server/engine/executors/executor.js';
import { ImportedOnnxExecutor } from '../server/engine/onnx-import/imported-onnx-executor.js';
import { OnnxExecutor } from '../server/engine/executors/onnx.js';
import { decodeImage } from '../server/engine/images.js';
import { findLayer } from '../server/engine/layer-info.js';
import { loadNetwork } from '../server/engine/network/network.js';
import { importModel } from '../server/engine/onnx-import/imported-model.js';

/**
 * Does an imported model run as fast as the built-in one? The shared GoogLeNet export
 * (../shared/models/googlenet-bvlc-onnx) beside the built-in GoogLeNet, both on ONNX Runtime in
 * this one process, on the path loop the engine runs: 100 steps at mixed4d, batch 10, runs
 * interleaved A, B, A, B so load drifts hit both; then ms per step for each family of
 * test/fixtures/onnx-models at its first reference layer (a middle block).
 * `npx tsx bench/imported-models.ts [--rounds R]` (default 5).
 */
const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SHARED = resolve(ROOT, '..', 'shared');
const STEPS = 100;
const BATCH = 10;
const SCORE: ScoreSpec = { class1: { kind: 'class', index: 154 }, class2: { kind: 'class', index: 282 } };
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5) || 5;

/** A left-Riemann path of `steps` at batch BATCH: what the estimator feeds the executor, timed. */
async function pathMs(executor: Executor, layer: string, acts: Float32Array, steps: number, score: ScoreSpec): Promise<number> {
  const size = acts.length;
  const points = new Float32Array(size * BATCH);
  const t0 = performance.now();
  for (let s = 0; s < steps; s += BATCH) {
    const n = Math.min(BATCH, steps - s);
    for (let j = 0; j < n; j++) {
      const alpha = (s + j) / steps;
      const out = points.subarray(j * size, (j + 1) * size);
      for (let i = 0; i < size; i++) out[i] = acts[i] * alpha;
    }
    await executor.gradients(layer, points.subarray(0, n * size), n, score);
  }
  return performance.now() - t0;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const flags = () => {
  try {
    return execSync("grep -o 'avx512[a-z_0-9]*' /proc/cpuinfo | sort -u | tr '\\n' ' '", { encoding: 'utf8' }).trim() || 'no avx512';
  } catch {
    return 'unknown';
  }
};

async function main() {
  console.log(`${cpus().length} x ${cpus()[0]?.model}; ${flags()}; Node ${process.version}; load before: ${load()}`);
  const image = decodeImage(new Uint8Array(readFileSync(resolve(SHARED, 'images', '224', 'dog_cat_composite.png')))).pixels;
  const builtin = await OnnxExecutor.create(loadNetwork(resolve(SHARED, 'models', 'googlenet-bvlc')));
  const imported = await ImportedOnnxExecutor.create(importModel(resolve(SHARED, 'models', 'googlenet-bvlc-onnx')));
  const runs: Record<string, number[]> = { 'built-in GoogLeNet': [], 'imported GoogLeNet export': [] };
  const both: [string, Executor][] = [
    ['built-in GoogLeNet', builtin],
    ['imported GoogLeNet export', imported],
  ];
  const acts = new Map<Executor, Float32Array>();
  for (const [, e] of both) {
    acts.set(e, await e.activations(image, 'mixed4d'));
    await pathMs(e, 'mixed4d', acts.get(e)!, BATCH, SCORE); // compile and warm up
  }
  for (let r = 0; r < rounds; r++) for (const [name, e] of both) runs[name].push(await pathMs(e, 'mixed4d', acts.get(e)!, STEPS, SCORE));
  builtin.dispose();
  imported.dispose();
  const base = median(runs['built-in GoogLeNet']) / STEPS;
  console.log(`\nGoogLeNet at mixed4d, ${STEPS}-step path, batch ${BATCH}, ${rounds} interleaved rounds (median)\n`);
  console.log('| model | ms/step (median) | ms/step (best) | vs built-in |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, v] of Object.entries(runs)) {
    const ms = median(v) / STEPS;
    console.log(`| ${name} | ${ms.toFixed(2)} | ${(Math.min(...v) / STEPS).toFixed(2)} | ${(ms / base).toFixed(3)}x |`);
  }

  const fixtures = resolve(ROOT, 'test', 'fixtures', 'onnx-models');
  if (!existsSync(resolve(fixtures, 'expected'))) return;
  console.log(
    `\nEach tested family (test/fixtures/onnx-models, small seeded-random exports) at a middle layer, 40-step path, batch ${BATCH}, median of 3\n`,
  );
  console.log('| fixture | layer | activation | ms/step |');
  console.log('| --- | --- | --- | --- |');
  const steps = 40;
  for (const f of [
    'resnet',
    'densenet',
    'mobilenet-v2',
    'mobilenet-v3',
    'efficientnet',
    'convnext',
    'squeezenet',
    'vgg',
    'googlenet',
    'assorted-ops',
  ]) {
    const ref = JSON.parse(readFileSync(resolve(fixtures, 'expected', `${f}.json`), 'utf8'));
    const m = importModel(resolve(fixtures, ref.model));
    const e = await ImportedOnnxExecutor.create(m);
    const img = decodeImage(new Uint8Array(readFileSync(resolve(ROOT, ref.image))), m.inputSize).pixels;
    const layer = ref.layers[0].module as string;
    const a = await e.activations(img, layer);
    const score: ScoreSpec = { class1: { kind: 'class', index: ref.class1.index }, class2: { kind: 'class', index: ref.class2.index } };
    await pathMs(e, layer, a, BATCH, score);
    const v: number[] = [];
    for (let r = 0; r < 3; r++) v.push(await pathMs(e, layer, a, steps, score));
    const l = findLayer(m.layers, layer)!;
    console.log(`| ${f} | ${layer} | ${l.channels}x${l.height}x${l.width} | ${(median(v) / steps).toFixed(2)} |`);
    e.dispose();
  }
  console.log(`\nload after: ${load()}`);
}

await main();
