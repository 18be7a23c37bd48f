import { attributionRunner, imageWithTopPair } from './_attribution-runs.js';
import type { Snapshot } from '../server/engine/attribution/index.js';
import { createExecutor } from '../server/engine/executors/index.js';
import { Labels } from '../server/engine/labels.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * Can the neuron groups' error bars be trusted (group rankings refine live: "error bars
 * included")? For each image and layer (the model's top-1 vs top-2 class), 6 groups:
 * a 256-point Gauss-Legendre reference of the group values, then left Riemann 32, SIDI 31 and
 * SQUARED 48 (the tolerance runs' rule) runs in their default chunks; at every snapshot, the share of groups whose 2-sigma bar covers
 * the actual error, and the median ratio of bar width to actual error. Snapshots at the rules'
 * nested levels (where a tolerance run may stop) are counted apart from those between levels. `npx tsx bench/group-errors.ts` (BENCH_QUICK=1: 2 images).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const IMAGES = QUICK ? ['dog_cat_composite', 'eagle'] : ['dog_cat_composite', 'chelsea_cat', 'fruits', 'eagle', 'squirrel', 'grace_hopper'];
const LAYERS = ['mixed4d', 'mixed5a'];
const GROUPS = 6;

const network = loadNetwork();
const labels = Labels.parse(network.labelsText);
const executor = await createExecutor(network);

const run = attributionRunner(executor, network, labels, { groups: GROUPS });

interface Coverage {
  covered: number;
  groups: number;
  ratios: number[];
}
const newCoverage = (): Coverage => ({ covered: 0, groups: 0, ratios: [] });
const LEVELS: Record<string, Set<number>> = {
  LEFT_RIEMANN: new Set([1, 2, 4, 8, 16, 32]),
  SIDI: new Set([1, 3, 7, 15, 31]),
  SQUARED: new Set([3, 6, 12, 24, 48]),
};
function cover(cov: Coverage, s: Snapshot, ref: number[]) {
  const g = s.groups!;
  g.attribution.forEach((v, i) => {
    const actual = Math.abs(v - ref[i]),
      bar = 2 * g.errors[i];
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
const totals = {
  lr: newCoverage(),
  sidi: newCoverage(),
  squared: newCoverage(),
  lrLevels: newCoverage(),
  sidiLevels: newCoverage(),
  squaredLevels: newCoverage(),
};
for (const name of IMAGES) {
  const { image, class1: c1, class2: c2 } = await imageWithTopPair(executor, name);
  for (const layer of LAYERS) {
    const base = { layer, class1: c1, class2: c2 };
    const ref = (await run(image, { ...base, steps: 256, rule: 'GAUSS_LEGENDRE', chunkSteps: 256 })).result.groups!.attribution;
    const lr = await run(image, { ...base, steps: 32, rule: 'LEFT_RIEMANN' });
    const sidi = await run(image, { ...base, steps: 31, rule: 'SIDI' });
    const squared = await run(image, { ...base, steps: 48, rule: 'SQUARED' });
    const lrCov = newCoverage(),
      sidiCov = newCoverage(),
      squaredCov = newCoverage();
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
    for (const s of squared.snapshots) {
      cover(squaredCov, s, ref);
      cover(totals.squared, s, ref);
      if (LEVELS.SQUARED.has(s.stepsDone)) cover(totals.squaredLevels, s, ref);
    }
    rows.push({
      image: name,
      layer,
      'LR-32 coverage': pct(lrCov),
      'LR-32 bar/actual': +median(lrCov.ratios).toFixed(2),
      'SIDI-31 coverage': pct(sidiCov),
      'SIDI-31 bar/actual': +median(sidiCov.ratios).toFixed(2),
      'SQUARED-48 coverage': pct(squaredCov),
      'SQUARED-48 bar/actual': +median(squaredCov.ratios).toFixed(2),
      snapshots: `${lr.snapshots.length}+${sidi.snapshots.length}+${squared.snapshots.length}`,
    });
  }
}
console.log(
  `\nNeuron-group error bars (${GROUPS} groups, 2 sigma) against a 256-point Gauss-Legendre reference, at every snapshot; backend ${executor.backend}.`,
);
console.table(rows);
const total = (runs: string, c: Coverage) => ({
  runs,
  coverage: pct(c),
  'median bar/actual': +median(c.ratios).toFixed(2),
  'group-snapshots': c.groups,
});
console.table([
  total('left Riemann 32, every snapshot', totals.lr),
  total('left Riemann 32, at nested levels', totals.lrLevels),
  total('SIDI 31, every snapshot', totals.sidi),
  total('SIDI 31, at nested levels', totals.sidiLevels),
  total('SQUARED 48, every snapshot', totals.squared),
  total('SQUARED 48, at nested levels', totals.squaredLevels),
]);
