import type { AttributionMethod, QuadratureRule } from '../gql/graphql';

/** Rules whose points nest, the only ones a run that stops when settled can use. */
export const NESTED_RULES: readonly QuadratureRule[] = ['SQUARED', 'SIDI', 'LEFT_RIEMANN'];

/**
 * The largest point count no greater than `steps` at which `rule` nests completely: the squared
 * rule's nested levels have 3 x 2^k points (3, 6, 12, ..., 96, 192), Sidi's 2^k - 1 (1, 3, 7, ...,
 * 255), the left Riemann sum's 2^k.
 */
export function nestedSize(rule: QuadratureRule, steps: number): number {
  if (rule === 'SQUARED') return steps < 3 ? steps : 3 * 2 ** Math.floor(Math.log2(steps / 3));
  return rule === 'SIDI' ? 2 ** Math.floor(Math.log2(steps + 1)) - 1 : 2 ** Math.floor(Math.log2(steps));
}

/**
 * What the server will run for the form's settings: a run that stops when settled can stop only
 * at a nested level, so its maximum is the largest level within the steps asked for, and a rule
 * whose points do not nest gives way to one that does (squared for the path, else left Riemann).
 */
export function stepsThatRun(d: { method: AttributionMethod; steps: number; rule: QuadratureRule; untilSettled: boolean }): {
  steps: number;
  rule: QuadratureRule;
} {
  if (d.method === 'SIMPLE') return { steps: 1, rule: d.rule };
  if (!d.untilSettled || !Number.isInteger(d.steps) || d.steps < 1) return { steps: d.steps, rule: d.rule };
  const rule = NESTED_RULES.includes(d.rule) ? d.rule : d.method === 'PATH' ? 'SQUARED' : 'LEFT_RIEMANN';
  return { steps: nestedSize(rule, d.steps), rule };
}
