import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attribute, validateInput, type AttributionInput, type AttributionResult, type Snapshot } from '../server/engine/attribution/index.js';
import { createExecutor } from '../server/engine/executors/index.js';
import { decodeImage } from '../server/engine/images.js';
import { Labels } from '../server/engine/labels.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * Can the neuron groups' error bars be trusted (issue 16: group rankings refine live "error bars
 * included")? For each image and layer (the model's top-1 vs top-2 class), 6 groups:
 * a 256-point Gauss-Legendre reference of the group values, then left Riemann 32 and SIDI 31
 * runs in their default chunks; at every snapshot, the share of groups whose 2-sigma bar covers
 * the actual error, and the median ratio of bar width to actual error. Snapshots at the rules'
 * nested levels (where a tolerance run may stop) are counted apart from those between levels. `npx tsx bench/group-errors.ts` (BENCH_QUICK=1: 2 images).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const IMAGES = QUICK ? ['dog_cat_composite', 'eagle'] : ['dog_cat_composite', 'chelsea_cat', 'fruits', 'eagle', 'squirrel', 'grace_hopper'];
const LAYERS = ['mixed4d', 'mixed5a'];
const GROUPS = 6;

const here = fileURLToPath(import.meta.url);
const network = loadNetwork();
const labels = Labels.parse(network.labelsText);
const executor = await createExecutor(network);

async function run(image: Float32Array, input: Partial<AttributionInput> & { layer: string; class1: string; class2: string }) {
  const request = validateInput({ method: 'PATH', batchSize: 16, groups: GROUPS, ...input } as AttributionInput, { labels, layers: network.layers });
  const it = attribute(executor, image, request);
  const snapshots: Snapshot[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { snapshots, result: r.value as AttributionResult };
    snapshots.push(r.value);
  }
}

interface Coverage { covered: number; groups: number; ratios: number[] }
const newCoverage = (): Coverage => ({ covered: 0, groups: 0, ratios: [] });
const LEVELS: Record<string, Set<number>> = { LEFT_RIEMANN: new Set([1, 2, 4, 8, 16, 32]), SIDI: new Set([1, 3, 7, 15, 31]) };
function cover(cov: Coverage, s: Snapshot, ref: number[]) {
  const g = s.groups!;
  g.attribution.forEach((v, i) => {
    const actual = Math.abs(v - ref[i]), bar = 2 * g.errors[i];
    cov.groups++;
    if (actual <= bar) cov.covered++;
    if (actual > 0) cov.ratios.push(bar / actual);
  });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const pct = (c: Coverage) => `${((100 * c.covered) / c.groups).toFixed(1)}%`;

const rows: Record<string, string | number>[] = [];
const totals = { lr: newCoverage(), sidi: newCoverage(), lrLevels: newCoverage(), sidiLevels: newCoverage() };
for (const name of IMAGES) {
  const image = decodeImage(new Uint8Array(readFileSync(resolve(here, `../../../shared/images/224/${name}.png`)))).pixels;
  const logits = await executor.imageLogits(image);
  const [c1, c2] = Array.from(logits, (l, i) => [l, i]).sort((a, b) => b[0] - a[0]).slice(0, 2).map((p) => String(p[1]));
  for (const layer of LAYERS) {
    const base = { layer, class1: c1, class2: c2 };
    const ref = (await run(image, { ...base, steps: 256, rule: 'GAUSS_LEGENDRE', chunkSteps: 256 })).result.groups!.attribution;
    const lr = await run(image, { ...base, steps: 32, rule: 'LEFT_RIEMANN' });
    const sidi = await run(image, { ...base, steps: 31, rule: 'SIDI' });
    const lrCov = newCoverage(), sidiCov = newCoverage();
    for (const s of lr.snapshots) {
      cover(lrCov, s, ref);
      cover(totals.lr, s, ref);
      if (LEVELS.LEFT_RIEMANN.has(s.stepsDone)) cover(totals.lrLevels, s, ref);
    }
    for (const s of sidi.snapshots) {
      cover(sidiCov, s, ref);
      cover(totals.sidi, s, ref);
      if (LEVELS.SIDI.has(s.stepsDone)) cover(totals.sidiLevels, s, ref);
    }
    rows.push({
      image: name, layer, 'LR-32 coverage': pct(lrCov), 'LR-32 bar/actual': +median(lrCov.ratios).toFixed(2),
      'SIDI-31 coverage': pct(sidiCov), 'SIDI-31 bar/actual': +median(sidiCov.ratios).toFixed(2), snapshots: `${lr.snapshots.length}+${sidi.snapshots.length}`,
    });
  }
}
console.log(`\nNeuron-group error bars (${GROUPS} groups, 2 sigma) against a 256-point Gauss-Legendre reference, at every snapshot; backend ${executor.backend}.`);
console.table(rows);
const total = (runs: string, c: Coverage) => ({ runs, coverage: pct(c), 'median bar/actual': +median(c.ratios).toFixed(2), 'group-snapshots': c.groups });
console.table([
  total('left Riemann 32, every snapshot', totals.lr),
  total('left Riemann 32, at nested levels', totals.lrLevels),
  total('SIDI 31, every snapshot', totals.sidi),
  total('SIDI 31, at nested levels', totals.sidiLevels),
]);
