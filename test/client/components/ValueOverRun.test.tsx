import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ValueOverRun } from '../../../client/src/components/ValueOverRun';

describe('ValueOverRun (a channel in the detail panel)', () => {
  it('has a value axis (its extremes and zero) and a steps axis to the end given, each named', () => {
    const points = [
      { x: 7, y: -0.2 },
      { x: 31, y: 0.9 },
      { x: 63, y: 1.13 },
    ];
    const { container } = render(() => <ValueOverRun points={points} xMax={63} label="Value of channel 73 against steps done" />);
    const ticks = [...container.querySelectorAll('text.tick')].map((t) => t.textContent);
    expect(ticks).toEqual(['-0.200', '0', '1.13', '0', '32', '63']);
    expect([...container.querySelectorAll('text.axis-label')].map((t) => t.textContent)).toEqual(['steps done', 'value']);
    // The last point is at the right end of the steps axis, the highest value at the top of the value axis.
    const dot = container.querySelector('circle')!;
    const top = [...container.querySelectorAll('text.tick')].find((t) => t.textContent === '1.13')!;
    const end = [...container.querySelectorAll('text.tick')].find((t) => t.textContent === '63')!;
    expect(Number(dot.getAttribute('cx'))).toBeCloseTo(Number(end.getAttribute('x')), 6);
    expect(Number(dot.getAttribute('cy'))).toBeCloseTo(Number(top.getAttribute('y')) - 3, 6);
  });
});
