import { describe, expect, it } from 'vitest';
import type { AttributionMethod, QuadratureRule } from '../../../client/src/gql/graphql';
import { nestedSize, stepsThatRun } from '../../../client/src/lib/steps-that-run';
import { nestedSize as serverNestedSize } from '../../../server/engine/attribution/quadrature';
import { validateInput } from '../../../server/engine/attribution/validate';
import type { Labels } from '../../../server/engine/labels';

// The server decides what runs; the form only says so beforehand. These compare its guess with the server's own code.
const labels = { resolve: (c: string) => ({ term: { index: 0 }, label: c }) } as unknown as Labels;
const layers = [{ name: 'mixed4d', caffe: 'inception_4d/output', channels: 528, height: 14, width: 14 }];
const RULES: QuadratureRule[] = ['LEFT_RIEMANN', 'TRAPEZOID', 'MIDPOINT', 'GAUSS_LEGENDRE', 'SIDI', 'SQUARED'];

describe('stepsThatRun (the job form says what the server will run)', () => {
  it("nests as the server's quadrature does, for every step count the form accepts", () => {
    for (const rule of ['SQUARED', 'SIDI', 'LEFT_RIEMANN'] as const)
      for (let steps = 1; steps <= 2000; steps++) expect(nestedSize(rule, steps)).toBe(serverNestedSize(rule, steps));
    expect(nestedSize('SIDI', 256)).toBe(255);
    expect(nestedSize('SQUARED', 256)).toBe(192);
  });

  it("matches the server's validation for each method and rule, until settled or not", () => {
    for (const method of ['PATH', 'STOCHASTIC_PATH'] as AttributionMethod[])
      for (const rule of RULES)
        for (const untilSettled of [true, false])
          for (const steps of [7, 100, 256, 300]) {
            // The rule the dashboard sends (create-jobs-store.ts): none when it does not nest and the run stops when settled.
            const sent = untilSettled && !['SQUARED', 'SIDI', 'LEFT_RIEMANN'].includes(rule) ? null : rule;
            const server = validateInput(
              {
                layer: 'mixed4d',
                class1: 'a',
                class2: 'b',
                method,
                steps,
                rule: sent,
                tolerance: untilSettled ? 0.01 : null,
              },
              { labels, layers },
            );
            expect(stepsThatRun({ method, steps, rule, untilSettled }), `${method} ${rule} ${steps} ${untilSettled}`).toEqual({
              steps: server.steps,
              rule: server.rule,
            });
          }
  });
});
