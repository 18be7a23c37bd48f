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

describe('ConvergenceChart step axis and settled label', () => {
  const ticks = (c: HTMLElement) => [...c.querySelectorAll('text.tick:not(.gap-tick):not(.stab-tick)')].map((t) => Number(t.textContent));

  it('ends the axis at the last step of a run that stopped early, and says it could have run longer', () => {
    const { container } = render(() => (
      <ConvergenceChart points={[...points, { stepsDone: 63, completenessGap: 0.001, rankStability: 1 }]} stepsTotal={255} finished />
    ));
    expect(Math.max(...ticks(container))).toBe(63);
    expect(container.querySelector('.axis-label')!.textContent).toContain('stopped at 63 of at most 255');
    // The last point sits at the right end of the plot.
    const xs = [...container.querySelectorAll('circle.dot.gap')].map((c) => Number(c.getAttribute('cx')));
    const tickX = [...container.querySelectorAll('text.tick:not(.gap-tick):not(.stab-tick)')].map((t) => Number(t.getAttribute('x')));
    expect(xs[xs.length - 1]).toBeCloseTo(Math.max(...tickX), 6);
  });

  it('runs the axis to the maximum while the run goes on', () => {
    const { container } = render(() => <ConvergenceChart points={points} stepsTotal={255} />);
    expect(Math.max(...ticks(container))).toBe(255);
  });

  it('puts the "settled at step N" label above the plot, clear of the stability line at 100 %', () => {
    const { container } = render(() => (
      <ConvergenceChart points={points} stepsTotal={100} settledAt={{ stepsDone: 20, elapsedMs: 1800 }} />
    ));
    const label = container.querySelector('[data-testid=settled-marker] text')!;
    const full = [...container.querySelectorAll('text.stab-tick')].find((t) => t.textContent === '100%')!;
    // Tick labels sit 3 px below their line: the 100 % line is at the tick's y - 3; the label's baseline is above it with room for its text.
    expect(Number(label.getAttribute('y'))).toBeLessThan(Number(full.getAttribute('y')) - 3 - 4);
    expect(label.textContent).toBe('settled at step 20 (1.8 s)');
  });
});
