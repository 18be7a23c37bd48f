import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { attributionRunner, imageWithTopPair } from './_attribution-runs.js';
import { BENCH_CASES } from './_convergence-cases.js';
import { covers, replayToleranceRun, roundoffOf, sharedEnds } from './_replay-tolerance-run.js';
import { validateInput, type Snapshot } from '../server/engine/attribution/index.js';
import { type ErrorCalibration, NESTED_ERROR_CALIBRATION, prefixEstimate } from '../server/engine/attribution/convergence-estimates.js';
import type { IntegrationState } from '../server/engine/attribution/integration-state.js';
import { nestedSize, quadrature } from '../server/engine/attribution/quadrature.js';
import { estimate } from '../server/engine/attribution/incremental-estimator.js';
import type { AttributionPath } from '../server/engine/attribution/methods/path.js';
import { createExecutor } from '../server/engine/executors/index.js';
import { Labels } from '../server/engine/labels.js';
import { loadNetwork } from '../server/engine/network/network.js';
import { relativeL2 } from '../test/helpers/fixtures.js';

/**
 * Can the error bars be trusted, and how soon does a run stop when settled? On many cases (each
 * shared image at a layer from mixed3a to mixed5b, with its own top-1 vs top-2 class, its top-1
 * class vs logsumexp, or the notebook's pair; the layers rotate so every layer is covered):
 * - a 256-point Gauss-Legendre reference;
 * - the notebook's fixed 100-step left Riemann sum (steps, seconds, accuracy);
 * - a `--tolerance 0.01` run (the default SQUARED rule, every nested level up to 96 steps):
 *   where it stops, its seconds, its accuracy, its top and bottom 10 against the reference's;
 * - coverage: at every snapshot, the share of channels whose 2-sigma bar (2 x errors) covers
 *   the actual error against the reference, and the median ratio of bar width to actual error;
 * - which nested rule reaches 1 % relative L2 first on a few cases: SQUARED, SIDI,
 *   Clenshaw-Curtis (2^k + 1 points), left Riemann (2^k), against plain Gauss-Legendre (not nested);
 * - the stochastic path: K seeds x 256 steps; each seed's snapshots against the mean of the
 *   other seeds (its bars widened by sqrt(1 + 1/(K-1)) for that mean's own noise), and the spread
 *   between pairs of seeds against their reported errors, at `--tolerance 0.05`.
 * `npx tsx bench/convergence.ts` (BENCH_QUICK=1: 4 cases, fewer seeds).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const CASES = BENCH_CASES.filter((_, i) => !QUICK || [0, 6, 9, 15].includes(i));
const STOCHASTIC_CASES = QUICK
  ? [['dog_cat_composite', 'mixed4d']]
  : [
      ['dog_cat_composite', 'mixed4d'],
      ['fruits', 'mixed5a'],
    ];
const SEEDS = QUICK ? 4 : 6;
/** The rule comparison costs ~300 more steps per case: on three cases only. */
const RULE_CASES = QUICK ? 1 : 3;
/** The most steps of the tolerance runs here (the largest SQUARED size within 100: 96). */
const MAX_STEPS = 100;
/**
 * A tolerance no estimate reaches, so a run yields every level: the smallest positive number, as an
 * exact case (a score linear in the layer's activations) estimates its error at rounding level.
 */
const EVERY_LEVEL = Number.MIN_VALUE;
const TOL = 0.01,
  STOCHASTIC_TOL = 0.05,
  K = 10;

const cpuFlags = () => {
  try {
    return [...new Set(readFileSync('/proc/cpuinfo', 'utf8').match(/avx512[a-z_0-9]*|avx2/g) ?? [])].sort().join(' ') || 'none';
  } catch {
    return 'unknown';
  }
};
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
console.log(`${cpus().length} x ${cpus()[0]?.model}; flags: ${cpuFlags()}; load average at start: ${load()}`);

const network = loadNetwork();
const labels = Labels.parse(network.labelsText);
const executor = await createExecutor(network);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const common = (a: ArrayLike<number>, b: ArrayLike<number>, sign: 1 | -1) => sharedEnds(a, b, K, sign);

const run = attributionRunner(executor, network, labels);

/** A fixed rule given by its nodes and weights, run once (for the rules the product does not ship). */
async function fixedRule(image: Float32Array, layer: string, class1: string, class2: string, alphas: Float64Array, weights: Float64Array) {
  const request = validateInput(
    { layer, class1, class2, method: 'PATH', steps: alphas.length, chunkSteps: alphas.length, batchSize: 16 },
    { labels, layers: network.layers },
  );
  const order = Array.from(alphas, (_, i) => i);
  const path: AttributionPath = {
    name: 'FixedRule',
    sampling: 'quadrature',
    quadrature: { alphas, weights, order, levels: [alphas.length] },
    point: (k, acts, _c, out) => {
      for (let i = 0; i < acts.length; i++) out[i] = acts[i] * alphas[k];
    },
  };
  const acts = await executor.activations(image, layer);
  const it = estimate(executor, acts, request, path);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value.values;
  }
}

/** Clenshaw-Curtis on [0, 1] with n + 1 points (n even): alpha_j = (1 - cos(j pi / n)) / 2, weights by the cosine series. */
function clenshawCurtis(n: number) {
  const alphas = new Float64Array(n + 1),
    weights = new Float64Array(n + 1);
  for (let j = 0; j <= n; j++) {
    let s = 0;
    for (let k = 1; k <= n / 2; k++) s += ((k === n / 2 ? 1 : 2) / (4 * k * k - 1)) * Math.cos((2 * k * j * Math.PI) / n);
    alphas[j] = (1 - Math.cos((j * Math.PI) / n)) / 2;
    weights[j] = (((j === 0 || j === n ? 1 : 2) / n) * (1 - s)) / 2;
  }
  return { alphas, weights };
}

interface Coverage {
  covered: number;
  channels: number;
  ratios: number[];
}
const newCoverage = (): Coverage => ({ covered: 0, channels: 0, ratios: [] });
function cover(cov: Coverage, s: Pick<Snapshot, 'values' | 'errors'>, ref: ArrayLike<number>, widen = 1) {
  const roundoff = roundoffOf(ref);
  for (let c = 0; c < ref.length; c++) {
    const actual = Math.abs(s.values[c] - ref[c]);
    const bar = 2 * s.errors[c] * widen;
    cov.channels++;
    if (covers(s.values[c], s.errors[c] * widen, ref[c], roundoff)) cov.covered++;
    if (actual > 0) cov.ratios.push(bar / actual);
  }
}
const pct = (c: Coverage) => `${((100 * c.covered) / c.channels).toFixed(1)}%`;

/**
 * For each calibration, each recorded case's tolerance run again from its per-step values: where
 * it would stop, its actual error there, the bars' coverage there, and the estimated over the
 * actual relative error at every level whose actual error is 0.4 to 2 % (where stops are decided).
 */
/**
 * Where along the path the integrand changes: each case's share of the squared change of its
 * channel values between neighbouring points (sorted by alpha) that lies below alpha = 0.05 and
 * above 0.5, from the SQUARED run's 96 points. The ReLU units flip near the baseline.
 */
function roughnessShares() {
  const q = quadrature('SQUARED', nestedSize('SQUARED', MAX_STEPS));
  const byAlpha = q.order.map((k, step) => [q.alphas[k], step]).sort((a, b) => a[0] - b[0]);
  return recorded.map(({ stepValues, channels }) => {
    let low = 0,
      high = 0,
      all = 0;
    for (let i = 1; i < byAlpha.length; i++) {
      const [a0, s0] = byAlpha[i - 1],
        [a1, s1] = byAlpha[i];
      let d = 0;
      for (let c = 0; c < channels; c++) d += (stepValues[s1 * channels + c] - stepValues[s0 * channels + c]) ** 2;
      all += d;
      if ((a0 + a1) / 2 < 0.05) low += d;
      if ((a0 + a1) / 2 > 0.5) high += d;
    }
    return all > 0 ? { low: low / all, high: high / all } : null;
  });
}

/**
 * The finer ladders the nested rule could have, tried on the recorded steps: the level's own
 * error at 48 steps against (a) Richardson's extrapolation from 24 and 48 with the order observed
 * between 12, 24 and 48 (|E48 - E24| = 2^-p |E24 - E12|), and (b) the 72-step prefix of the
 * 96-point rule, a level 1.5 times 48 (rescaled: its weights cannot change once summed).
 */
function alternativeRows() {
  const q = quadrature('SQUARED', nestedSize('SQUARED', MAX_STEPS));
  const weights = q.order.map((k) => q.weights[k]),
    alphas = q.order.map((k) => q.alphas[k]);
  const ratios = { richardson: [] as number[], prefix72: [] as number[] };
  for (const { stepValues, channels, ref } of recorded) {
    const at = (m: number) => prefixEstimate({ stepValues, channels, stepsDone: m, weights, alphas, totalWeight: 1 }, m);
    const [e12, e24, e48, e72] = [12, 24, 48, 72].map(at);
    const own = relativeL2(e48, ref);
    if (own === 0) continue;
    const d1 = relativeL2(e24, e12),
      d2 = relativeL2(e48, e24);
    const gain = d2 > 0 && d1 > d2 ? d1 / d2 : 2;
    const extrapolated = e48.map((v, c) => v + (v - e24[c]) / (gain - 1));
    ratios.richardson.push(relativeL2(extrapolated, ref) / own);
    ratios.prefix72.push(relativeL2(e72, ref) / own);
  }
  return [
    {
      alternative: 'Richardson from 24 and 48, observed order',
      'actual relL2 / the 48-step level: median': +median(ratios.richardson).toFixed(2),
      'better in': `${ratios.richardson.filter((r) => r < 1).length}/${ratios.richardson.length}`,
    },
    {
      alternative: '72-step prefix of the 96-point rule (1.5 x 48)',
      'actual relL2 / the 48-step level: median': +median(ratios.prefix72).toFixed(2),
      'better in': `${ratios.prefix72.filter((r) => r < 1).length}/${ratios.prefix72.length}`,
    },
  ];
}

function calibrationRows() {
  const shipped = NESTED_ERROR_CALIBRATION.SQUARED;
  const candidates: [string, ErrorCalibration][] = [
    ['shipped', shipped],
    ['the constants fit before, for first differences', { factor: 0.4, floorShare: 0.9, differenceWeight: 0.5 }],
    ['difference only', { factor: shipped.factor, floorShare: shipped.floorShare }],
    ['variation only', { ...shipped, differenceWeight: 0 }],
    ['x 0.875', { ...shipped, factor: 0.875 * shipped.factor }],
    ['x 1.125', { ...shipped, factor: 1.125 * shipped.factor }],
    ['floor 0.5', { ...shipped, floorShare: 0.5 }],
  ];
  return candidates.map(([name, calibration]) => {
    const atStop = newCoverage();
    const runs = recorded.map(({ stepValues, channels, ref }) =>
      replayToleranceRun('SQUARED', nestedSize('SQUARED', MAX_STEPS), stepValues, channels, ref, calibration, TOL, K),
    );
    for (const { stop } of runs) {
      atStop.covered += stop.covered;
      atStop.channels += stop.channels;
    }
    const steps = runs.map(({ stop }) => (stop.settled ? stop.steps : Infinity));
    const finite = steps.filter(Number.isFinite);
    const ratios = runs.flatMap((r) => r.ratios);
    return {
      calibration: `${name}: ${calibration.factor} / ${calibration.floorShare} / ${calibration.differenceWeight ?? '-'}`,
      'steps: mean': +(finite.reduce((a, b) => a + b, 0) / finite.length).toFixed(1),
      '<= 50': `${steps.filter((x) => x <= 50).length}/${steps.length}`,
      'actual relL2 at stop: max': +Math.max(...runs.map((r) => r.stop.actual)).toExponential(2),
      'bars cover at stop': pct(atStop),
      'lowest case': `${(100 * Math.min(...runs.map((r) => r.stop.coverage))).toFixed(1)}%`,
      'est. / actual: median': +median(ratios).toFixed(2),
      '10th percentile': +[...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 10)].toFixed(2),
    };
  });
}

const settleRows: Record<string, string | number>[] = [];
const ruleRows: Record<string, string | number>[] = [];
const coverageRows: Record<string, string | number>[] = [];
const totals = { lr: newCoverage(), nested: newCoverage(), atStop: newCoverage() };
/** Per case: the SIDI steps that reach SQUARED-48's error, over 48. */
const equivalents: number[] = [];
/** Each case's SQUARED steps (channel values per step, evaluation order) and its reference. */
const recorded: { stepValues: Float64Array; channels: number; ref: ArrayLike<number> }[] = [];
const settles: { steps: number | null; error: number; lrError: number; kept: boolean; coverage: number; timeRatio: number }[] = [];
const images = new Map<string, Awaited<ReturnType<typeof imageWithTopPair>>>();

for (const [n, { image: name, layer, pair }] of CASES.entries()) {
  if (!images.has(name)) images.set(name, await imageWithTopPair(executor, name));
  const { image, class1: top1, class2: top2 } = images.get(name)!;
  const [c1, c2] = pair === 'notebook' ? ['Labrador retriever', 'tiger cat'] : pair === 'top1-top2' ? [top1, top2] : [top1, 'logsumexp'];
  const base = { layer, class1: c1, class2: c2 };
  const ref = (await run(image, { ...base, rule: 'GAUSS_LEGENDRE', steps: 256, chunkSteps: 256 })).result.values;
  const lr = await run(image, { ...base, steps: 100 });
  // Every level of a tolerance run: its stopping point is the first level a real run would stop at.
  // Its per-step channel values (the last checkpoint) let the calibration table below redo the error estimates.
  let state: IntegrationState | undefined;
  const nested = await run(image, { ...base, steps: MAX_STEPS, tolerance: EVERY_LEVEL }, { onCheckpoint: (s) => (state = s) });
  recorded.push({ stepValues: state!.stepValues, channels: ref.length, ref });
  const rule = nested.result.stepsTotal === nestedSize('SQUARED', MAX_STEPS) ? 'SQUARED' : '?';
  const found = nested.snapshots.find((s) => s.settled && s.relativeError <= TOL);
  const stop = found ?? nested.snapshots.at(-1)!;
  const lrCov = newCoverage(),
    nestedCov = newCoverage(),
    stopCov = newCoverage();
  for (const s of lr.snapshots) (cover(lrCov, s, ref), cover(totals.lr, s, ref));
  for (const s of nested.snapshots.filter((x) => x.stepsDone >= 6)) (cover(nestedCov, s, ref), cover(totals.nested, s, ref));
  cover(stopCov, stop, ref);
  cover(totals.atStop, stop, ref);
  const lrErr = relativeL2(lr.result.values, ref),
    stopErr = relativeL2(stop.values, ref);
  const kept = [common(stop.values, ref, 1), common(stop.values, ref, -1)];
  const timeRatio = stop.elapsedMs / lr.result.elapsedMs;
  settles.push({
    steps: found ? stop.stepsDone : null,
    error: stopErr,
    lrError: lrErr,
    kept: kept[0] === K && kept[1] === K,
    coverage: stopCov.covered / stopCov.channels,
    timeRatio,
  });
  const label = `${name} ${layer} ${pair === 'notebook' ? 'Labrador-tiger cat' : pair}`;
  settleRows.push({
    case: label,
    'LR-100 s': +(lr.result.elapsedMs / 1000).toFixed(2),
    'LR-100 relL2': +lrErr.toExponential(2),
    [`${rule} stop at`]: found ? stop.stepsDone : `> ${stop.stepsDone}`,
    s: +(stop.elapsedMs / 1000).toFixed(2),
    'est. relErr': +stop.relativeError.toExponential(2),
    'actual relL2': +stopErr.toExponential(2),
    'top/bot 10': kept.join('/'),
    'relL2 at 24 / 48': [24, 48]
      .map((m) => nested.snapshots.find((x) => x.stepsDone === m))
      .map((x) => (x ? relativeL2(x.values, ref).toFixed(4) : '-'))
      .join(' / '),
    'bars cover': pct(stopCov),
    'time vs LR-100': +timeRatio.toFixed(2),
  });
  coverageRows.push({
    case: label,
    'LR-100 coverage': pct(lrCov),
    'LR-100 bar/actual': +median(lrCov.ratios).toFixed(2),
    [`${rule} coverage (levels >= 6)`]: pct(nestedCov),
    'bar/actual': +median(nestedCov.ratios).toFixed(2),
  });
  // SIDI, the previous default, on the same case: how many of its steps SQUARED's 48 are worth.
  const sidi = await run(image, { ...base, rule: 'SIDI', steps: n < RULE_CASES ? 127 : 63, tolerance: EVERY_LEVEL });
  const sidiErr = (m: number) => relativeL2(sidi.snapshots.find((x) => x.stepsDone === m)!.values, ref);
  const sq48 = relativeL2(nested.snapshots.find((x) => x.stepsDone === 48)!.values, ref);
  // Steps SIDI would need for SQUARED-48's error, on the power law through its 31 and 63 points.
  const order = Math.log(sidiErr(31) / sidiErr(63)) / Math.log(63 / 31);
  if (order > 0 && sq48 > 0) equivalents.push((31 * (sidiErr(31) / sq48) ** (1 / order)) / 48);
  if (n < RULE_CASES) {
    // Steps to reach 1 % relative L2 against the reference: nested rules by level, Gauss-Legendre by size.
    const first = (xs: [number, number[]][]) => xs.find(([, v]) => relativeL2(v, ref) <= TOL)?.[0] ?? '> max';
    const levels = (r: Awaited<ReturnType<typeof run>>) => r.snapshots.map((s) => [s.stepsDone, s.values] as [number, number[]]);
    const lrNested = await run(image, { ...base, rule: 'LEFT_RIEMANN', steps: 256, tolerance: EVERY_LEVEL });
    const cc: [number, number[]][] = [];
    for (const m of [4, 8, 16, 32, 64]) {
      const q = clenshawCurtis(m);
      cc.push([m + 1, await fixedRule(image, layer, c1, c2, q.alphas, q.weights)]);
      if (relativeL2(cc.at(-1)![1], ref) <= TOL) break;
    }
    const gl: [number, number[]][] = [];
    for (const m of [4, 8, 12, 16, 24, 32, 48, 64]) {
      gl.push([m, (await run(image, { ...base, rule: 'GAUSS_LEGENDRE', steps: m, chunkSteps: m })).result.values]);
      if (relativeL2(gl.at(-1)![1], ref) <= TOL) break;
    }
    ruleRows.push({
      case: label,
      SQUARED: first(levels(nested)),
      SIDI: first(levels(sidi)),
      'Clenshaw-Curtis': first(cc),
      'left Riemann 2^k': first(levels(lrNested)),
      'Gauss-Legendre (not nested)': first(gl),
    });
  }
  console.error(`[convergence] ${n + 1}/${CASES.length} ${label} done (load ${load()})`);
}

const settledSteps = settles.map((s) => s.steps ?? Infinity);
const within50 = settledSteps.filter((x) => x <= 50).length;
console.log(
  `\nStop when settled (tolerance ${TOL}, the default SQUARED rule, every level up to ${nestedSize('SQUARED', MAX_STEPS)} steps) against the notebook's fixed left Riemann 100; backend ${executor.backend}.`,
);
console.log(
  `Accuracy: relative L2 against a 256-point Gauss-Legendre reference; top/bot 10: channels shared with the reference's top and bottom ${K}; bars cover: share of channels whose 2-sigma bar covers the actual error, at the stop.`,
);
console.table(settleRows);
console.log('Overall:');
console.table([
  {
    cases: settles.length,
    'steps: mean': +(settledSteps.filter(Number.isFinite).reduce((a, b) => a + b, 0) / settledSteps.filter(Number.isFinite).length).toFixed(
      1,
    ),
    'steps: median': median(settledSteps),
    'steps: max': Math.max(...settledSteps),
    '<= 50 steps': `${within50}/${settles.length}`,
    'actual relL2: median': +median(settles.map((s) => s.error)).toExponential(2),
    'actual relL2: max': +Math.max(...settles.map((s) => s.error)).toExponential(2),
    '<= 1.5 %': `${settles.filter((s) => s.error <= 0.015).length}/${settles.length}`,
    'as accurate as LR-100': `${settles.filter((s) => s.error <= s.lrError).length}/${settles.length}`,
    'same top and bottom 10': `${settles.filter((s) => s.kept).length}/${settles.length}`,
    'bars cover at stop (all channels)': pct(totals.atStop),
    'lowest case': `${(100 * Math.min(...settles.map((s) => s.coverage))).toFixed(1)}%`,
    'time vs LR-100: median': +median(settles.map((s) => s.timeRatio)).toFixed(2),
  },
]);
const shares = roughnessShares().filter((x) => x !== null);
console.log(
  `Where the integrand changes (share of the squared change between neighbouring points, ${shares.length} cases with any): below alpha = 0.05 median ${(100 * median(shares.map((x) => x.low))).toFixed(0)} % (${(100 * Math.min(...shares.map((x) => x.low))).toFixed(0)}-${(100 * Math.max(...shares.map((x) => x.low))).toFixed(0)} %), above 0.5 median ${(100 * median(shares.map((x) => x.high))).toFixed(1)} %.`,
);
console.log(
  `SQUARED against SIDI, the previous default: SIDI needs ${median(equivalents).toFixed(2)} (median; ${Math.min(...equivalents).toFixed(2)}-${Math.max(...equivalents).toFixed(2)}) times the steps for the error of SQUARED at 48 (${equivalents.length} cases; SIDI's own order between 31 and 63 steps).`,
);
console.log('Finer ladders, on the same steps:');
console.table(alternativeRows());
console.log(
  `The error estimate's calibration (factor x max(sqrt(variation + weight x difference^2), floor share x rms)), redone on the same steps for other constants; the shipped one first:`,
);
console.table(calibrationRows());
console.log(`Steps each rule needs to come within ${TOL * 100} % relative L2 of the reference:`);
console.table(ruleRows);
console.log(
  'Coverage of the 2-sigma bars (share of channels whose actual error is within 2 x errors), all snapshots; median bar width / actual error:',
);
console.table(coverageRows);
console.table([
  {
    runs: 'LR-100, every snapshot',
    coverage: pct(totals.lr),
    'median bar/actual': +median(totals.lr.ratios).toFixed(2),
    channels: totals.lr.channels,
  },
  {
    runs: 'SQUARED, every level >= 6',
    coverage: pct(totals.nested),
    'median bar/actual': +median(totals.nested.ratios).toFixed(2),
    channels: totals.nested.channels,
  },
  {
    runs: `SQUARED, where tolerance ${TOL} stops`,
    coverage: pct(totals.atStop),
    'median bar/actual': +median(totals.atStop.ratios).toFixed(2),
    channels: totals.atStop.channels,
  },
]);

const stoRows: Record<string, string | number>[] = [];
const stoTotal = newCoverage(),
  spreadTotal = newCoverage();
for (const [name, layer] of STOCHASTIC_CASES) {
  const { image, class1: c1, class2: c2 } = await imageWithTopPair(executor, name);
  const seeds: Awaited<ReturnType<typeof run>>[] = [];
  for (let seed = 1; seed <= SEEDS; seed++)
    seeds.push(
      await run(image, {
        layer,
        class1: c1,
        class2: c2,
        method: 'STOCHASTIC_PATH',
        steps: 256,
        chunkSteps: 16,
        tolerance: EVERY_LEVEL,
        seed,
      }),
    );
  const cov = newCoverage(),
    spread = newCoverage();
  const stops: Snapshot[] = [];
  for (const [i, s] of seeds.entries()) {
    const others = seeds.filter((_, j) => j !== i);
    const mean = s.result.values.map((_, c) => others.reduce((a, o) => a + o.result.values[c], 0) / others.length);
    for (const snap of s.snapshots.filter((x) => x.stepsDone >= 16))
      (cover(cov, snap, mean, Math.sqrt(1 + 1 / others.length)), cover(stoTotal, snap, mean, Math.sqrt(1 + 1 / others.length)));
    stops.push(s.snapshots.find((x) => x.settled && x.relativeError <= STOCHASTIC_TOL) ?? s.snapshots.at(-1)!);
  }
  // Two seeds stopped at tolerance 0.05: |a - b| against 2 sqrt(ea^2 + eb^2), channel by channel.
  for (let i = 0; i + 1 < stops.length; i += 2) {
    const a = stops[i],
      b = stops[i + 1];
    const diff = { values: a.values.map((v, c) => v - b.values[c]), errors: a.errors.map((e, c) => Math.hypot(e, b.errors[c])) };
    cover(
      spread,
      diff,
      a.values.map(() => 0),
    );
    cover(
      spreadTotal,
      diff,
      a.values.map(() => 0),
    );
  }
  const first = seeds[0].snapshots;
  stoRows.push({
    case: `${name} ${layer} ${c1}-${c2}`,
    seeds: SEEDS,
    'relErr @16/64/256': [16, 64, 256].map((n) => first.find((x) => x.stepsDone === n)?.relativeError.toFixed(3)).join(' / '),
    'steps at tol 0.05': stops.map((s) => s.stepsDone).join(','),
    coverage: pct(cov),
    'bar/actual': +median(cov.ratios).toFixed(2),
    'seed spread coverage': pct(spread),
    'spread bar/actual': +median(spread.ratios).toFixed(2),
  });
  console.error(`[convergence] stochastic ${name} ${layer} done`);
}
console.log(
  `\nSTOCHASTIC_PATH (left Riemann, 256 steps): relative error should fall as 1/sqrt(n) (x0.5 from 16 to 64, again to 256). Coverage of each seed's 2-sigma bars against the mean of the other seeds, every snapshot from 16 steps; the seed spread at tolerance ${STOCHASTIC_TOL}:`,
);
console.table(stoRows);
console.table([
  {
    coverage: pct(stoTotal),
    'median bar/actual': +median(stoTotal.ratios).toFixed(2),
    'seed spread coverage': pct(spreadTotal),
    'spread bar/actual': +median(spreadTotal.ratios).toFixed(2),
  },
]);
console.log(`load average at the end: ${load()}`);
executor.dispose();
