import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ConvergenceChart } from '../../../client/src/components/ConvergenceChart';

const points = [
  { stepsDone: 10, completenessGap: 0.5, rankStability: 0 },
  { stepsDone: 20, completenessGap: 0.05, rankStability: 0.8 },
  { stepsDone: 30, completenessGap: 0.005, rankStability: 1 },
];

describe('ConvergenceChart', () => {
  it('plots one point per snapshot against steps done, the gap on a log axis', () => {
    const { container } = render(() => <ConvergenceChart points={points} stepsTotal={100} />);
    const gap = [...container.querySelectorAll('circle.dot.gap')].map((c) => ({
      x: Number(c.getAttribute('cx')),
      y: Number(c.getAttribute('cy')),
    }));
    const stab = [...container.querySelectorAll('circle.dot.stability')].map((c) => Number(c.getAttribute('cy')));
    expect(gap).toHaveLength(3);
    // x grows with steps; each tenfold drop of the gap moves down by the same distance (log scale).
    expect(gap[1].x - gap[0].x).toBeCloseTo(gap[2].x - gap[1].x, 6);
    expect(gap[1].y).toBeGreaterThan(gap[0].y);
    expect(gap[2].y - gap[1].y).toBeCloseTo(gap[1].y - gap[0].y, 6);
    // Stability rises toward the top (smaller y).
    expect(stab[0]).toBeGreaterThan(stab[1]);
    expect(stab[1]).toBeGreaterThan(stab[2]);
    expect(container.querySelector('figcaption')!.textContent).toContain('gap 0.50%');
  });
});
