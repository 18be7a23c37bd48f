import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attributeOnce, validateInput, type QuadratureRuleName } from '../server/engine/attribution/index.js';
import { createExecutor } from '../server/engine/executors/index.js';
import { decodeImage } from '../server/engine/images.js';
import { Labels } from '../server/engine/labels.js';
import { loadNetwork } from '../server/engine/network/network.js';

/**
 * How many steps does each quadrature rule need to match the notebook's 100-step left Riemann
 * sum, and to be at least as accurate? Path attribution at mixed4d on
 * dog_cat_composite.png, Pekinese - tiger cat, on the default executor. Accuracy is measured
 * against a 256-point Gauss-Legendre reference, itself checked against a 512-point midpoint sum.
 * `npx tsx bench/quadrature.ts`.
 */
const LAYER = 'mixed4d';
const IMAGE = resolve(fileURLToPath(import.meta.url), '../../../shared/images/224/dog_cat_composite.png');
const RULES: QuadratureRuleName[] = ['LEFT_RIEMANN', 'TRAPEZOID', 'MIDPOINT', 'GAUSS_LEGENDRE'];
const STEPS = [4, 8, 12, 16, 24, 32, 48, 64, 100];
const TOP = 10;

const network = loadNetwork();
const labels = Labels.parse(network.labelsText);
const executor = await createExecutor(network);
const image = decodeImage(new Uint8Array(readFileSync(IMAGE))).pixels;

async function channels(rule: QuadratureRuleName, steps: number) {
  const request = validateInput(
    { layer: LAYER, class1: '154', class2: '282', method: 'PATH', steps, rule, chunkSteps: steps, batchSize: 25 },
    { labels, layers: network.layers },
  );
  const t0 = performance.now();
  const r = await attributeOnce(executor, image, request);
  return { values: r.values, gap: r.completenessGap, ms: performance.now() - t0 };
}

function relL2(a: number[], b: number[]) {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

const topSet = (v: number[]) =>
  new Set(
    v
      .map((x, i) => [x, i])
      .sort((p, q) => q[0] - p[0])
      .slice(0, TOP)
      .map((p) => p[1]),
  );
const overlap = (a: number[], b: number[]) => {
  const s = topSet(b);
  return [...topSet(a)].filter((c) => s.has(c)).length;
};

const reference = await channels('GAUSS_LEGENDRE', 256);
const check = await channels('MIDPOINT', 512);
const notebook = await channels('LEFT_RIEMANN', 100);
const notebookError = relL2(notebook.values, reference.values);

console.log(`\nmixed4d, Pekinese - tiger cat, dog_cat_composite.png, backend ${executor.backend}.`);
console.log(
  `Reference: Gauss-Legendre 256 steps; it differs from midpoint 512 by ${relL2(check.values, reference.values).toExponential(2)} (relative L2).`,
);
console.log(
  `The notebook's left Riemann 100 is ${notebookError.toExponential(2)} from the reference; top-${TOP} overlap ${overlap(notebook.values, reference.values)}/${TOP}.`,
);

const rows: Record<string, string | number>[] = [];
const needs: Record<string, { rule: QuadratureRuleName; match: number | string; asAccurate: number | string }> = {};
for (const rule of RULES) {
  needs[rule] = { rule, match: `> ${STEPS.at(-1)}`, asAccurate: `> ${STEPS.at(-1)}` };
  for (const steps of STEPS) {
    if (rule === 'TRAPEZOID' && steps < 2) continue;
    const r = steps === 100 && rule === 'LEFT_RIEMANN' ? notebook : await channels(rule, steps);
    const toNotebook = relL2(r.values, notebook.values);
    const toReference = relL2(r.values, reference.values);
    const top = overlap(r.values, notebook.values);
    rows.push({
      rule,
      steps,
      'rel L2 to LR-100': +toNotebook.toExponential(2),
      [`top-${TOP} shared with LR-100`]: top,
      'rel L2 to reference': +toReference.toExponential(2),
      'completeness gap': +r.gap.toExponential(2),
      ms: Math.round(r.ms),
    });
    // "Matches" the notebook: within 1% (relative L2) and the same top 10.
    if (typeof needs[rule].match === 'string' && toNotebook <= 1e-2 && top === TOP) needs[rule].match = steps;
    if (typeof needs[rule].asAccurate === 'string' && toReference <= notebookError) needs[rule].asAccurate = steps;
  }
}
console.table(rows);
console.log(
  `Steps each rule needs: to match LR-100 (rel L2 <= 1e-2 and the same top ${TOP}), and to be at least as accurate as LR-100 against the reference:`,
);
console.table(
  Object.values(needs).map((n) => ({ rule: n.rule, 'steps to match LR-100': n.match, 'steps to be as accurate as LR-100': n.asAccurate })),
);
executor.dispose();
