import { describe, expect, it } from 'vitest';
import {
  attribute,
  decodeState,
  encodeState,
  validateInput,
  type AttributionInput,
  type AttributionResult,
  type Snapshot,
} from '../../../../server/engine/attribution/index.js';
import { nestedErrors, PROJECTION_ERROR_CALIBRATION } from '../../../../server/engine/attribution/convergence-estimates.js';
import { quadrature } from '../../../../server/engine/attribution/quadrature.js';
import type { EstimatorOptions, IntegrationState } from '../../../../server/engine/attribution/incremental-estimator.js';
import { Labels } from '../../../../server/engine/labels.js';
import { image224, sharedNetwork, wasmExecutor } from '../../../helpers/fixtures.js';

// Group error bars come from per-step group values through the channels' own estimators. The
// oracles: a direction that is one channel's activations must get exactly that channel's value
// and bar; the bars must cover the distance to a fine reference integral; a resumed run must end
// bit for bit where an uninterrupted one does.

const request = (input: Partial<AttributionInput>) => {
  const net = sharedNetwork();
  return validateInput(
    { layer: 'mixed5a', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', ...input },
    { labels: Labels.parse(net.labelsText), layers: net.layers },
  );
};

async function run(input: Partial<AttributionInput>, options: EstimatorOptions = {}, image = 'dog_cat_composite') {
  const it = attribute(await wasmExecutor(), image224(image), request(input), options);
  const snapshots: Snapshot[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return { snapshots, result: r.value as AttributionResult };
    snapshots.push(r.value);
  }
}

const bits = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);

describe('error bars on projections (neuron groups)', () => {
  it("directions equal to each channel's activations get the channels' values, and the bars the channels' per-step values give under the groups' calibration, for nested and stochastic paths", async () => {
    const executor = await wasmExecutor();
    const acts = await executor.activations(image224('dog_cat_composite'), 'mixed5a');
    const C = sharedNetwork().byName.get('mixed5a')!.shape[2];
    // All channels, so the nested estimate's floor (a share of the RMS over the set) is the same too.
    const picked = Array.from({ length: C }, (_, c) => c);
    const projection = {
      count: picked.length,
      project: (g: Float32Array) =>
        picked.map((c) => {
          let s = 0;
          for (let i = c; i < g.length; i += C) s += g[i] * acts[i];
          return s;
        }),
    };
    for (const input of [
      { steps: 16, rule: 'LEFT_RIEMANN' },
      { steps: 15, rule: 'SIDI' },
      { steps: 24, rule: 'SQUARED' },
      { method: 'STOCHASTIC_PATH', steps: 16, seed: 3 },
    ] as const) {
      const states: IntegrationState[] = [];
      const { snapshots } = await run({ chunkSteps: 4, ...input }, { projection, onCheckpoint: (s) => states.push(s) });
      const rule = 'rule' in input ? input.rule : null;
      snapshots.forEach((s, i) => {
        picked.forEach((c, j) => expect(s.projections!.values[j]).toBeCloseTo(s.values[c], 10));
        if (!rule) {
          // The stochastic path's estimator has no calibration: the same numbers.
          picked.forEach((c, j) => expect(s.projections!.errors[j]).toBeCloseTo(s.errors[c], 10));
          return;
        }
        // The channels' own per-step values through the projections' calibration give the projections' bars.
        const q = quadrature(rule, input.steps);
        const rec = {
          stepValues: states[i].stepValues,
          channels: C,
          stepsDone: states[i].stepsDone,
          weights: q.order.map((k) => q.weights[k]),
          alphas: q.order.map((k) => q.alphas[k]),
          totalWeight: q.weights.reduce((a, b) => a + b, 0),
        };
        const expected = nestedErrors(rec, q, Float64Array.from(s.values), rule, PROJECTION_ERROR_CALIBRATION(rule));
        picked.forEach((c, j) => expect(s.projections!.errors[j]).toBeCloseTo(expected[c], 10));
      });
    }
  });

  it('6 groups on a 16-step left Riemann path: the 2-sigma bars reach a 128-point Gauss-Legendre reference for most groups, and shrink as steps accumulate', async () => {
    let covered = 0,
      total = 0;
    for (const image of ['dog_cat_composite', 'chelsea_cat']) {
      const coarse = await run({ steps: 16, rule: 'LEFT_RIEMANN', chunkSteps: 4, groups: 6 }, {}, image);
      const fine = await run({ steps: 128, rule: 'GAUSS_LEGENDRE', chunkSteps: 128, groups: 6 }, {}, image);
      const g = coarse.result.groups!,
        ref = fine.result.groups!;
      expect(g.errors).toHaveLength(6);
      g.attribution.forEach((v, i) => {
        total++;
        if (Math.abs(v - ref.attribution[i]) <= 2 * g.errors[i]) covered++;
        // Never absurd: no bar is wider than the group's value plus the reference's, nor off by more than 4 sigma.
        expect(Math.abs(v - ref.attribution[i])).toBeLessThanOrEqual(4 * g.errors[i] + 1e-9);
      });
      const first = coarse.snapshots.find((s) => s.stepsDone >= 4)!.groups!.errors;
      const norm = (e: number[]) => Math.hypot(...e);
      expect(norm(g.errors)).toBeLessThan(norm(first));
    }
    expect(covered / total).toBeGreaterThanOrEqual(0.75);
  });

  it('SIMPLE has exact group values (zero errors); a run with groups resumed from a checkpoint ends bit for bit equal, errors included', async () => {
    const simple = await run({ method: 'SIMPLE', groups: 4 });
    expect(simple.result.groups!.errors).toEqual([0, 0, 0, 0]);
    for (const method of ['PATH', 'STOCHASTIC_PATH'] as const) {
      const input = { method, steps: 12, chunkSteps: 4, groups: 4, seed: 2 };
      const states: IntegrationState[] = [];
      const whole = await run(input, { onCheckpoint: (s) => states.push(s) });
      expect(states[0].projectionValues).toHaveLength(4 * 4);
      const resumed = await run(input, { resumeFrom: decodeState(encodeState(states[0])) });
      expect(bits(resumed.result.groups!.attribution).equals(bits(whole.result.groups!.attribution))).toBe(true);
      expect(bits(resumed.result.groups!.errors).equals(bits(whole.result.groups!.errors))).toBe(true);
      // A checkpoint without the group values cannot resume a run with groups.
      await expect(run(input, { resumeFrom: { ...states[0], projectionValues: new Float64Array(0) } })).rejects.toThrow(
        /does not belong to this request/,
      );
    }
  });
});
