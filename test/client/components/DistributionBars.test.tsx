import { render } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { DistributionBars } from '../../../client/src/components/DistributionBars';

const hsl = (s: string) => {
  const m = /hsl\((\d+), ([\d.]+)%, ([\d.]+)%\)/.exec(s);
  if (!m) throw new Error(`not an hsl colour: ${s}`);
  return { h: Number(m[1]), s: Number(m[2]), l: Number(m[3]) };
};

describe('DistributionBars (the notebook BarsWidget)', () => {
  const values = [0.2, -2.5, 3.0, 0, -0.1, 1.6];

  it('draws one bar per channel, sorted descending', () => {
    const { container } = render(() => <DistributionBars values={values} />);
    const bars = [...container.querySelectorAll('rect.bar')];
    expect(bars).toHaveLength(values.length);
    expect(bars.map((b) => Number(b.getAttribute('data-value')))).toEqual([3.0, 1.6, 0.2, 0, -0.1, -2.5]);
    expect(bars.map((b) => Number(b.getAttribute('data-channel')))).toEqual([2, 5, 0, 3, 4, 1]);
    // x follows rank, so the SVG reads left to right like np.sort(...)[::-1].
    expect(bars.map((b) => Number(b.getAttribute('x')))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('colours positive bars blue and negative bars red, stronger and taller with magnitude', () => {
    const { container } = render(() => <DistributionBars values={values} />);
    const bar = (ch: number) => container.querySelector(`rect[data-channel="${ch}"]`)!;
    const colour = (ch: number) => hsl(bar(ch).getAttribute('fill')!);
    expect(colour(2).h).toBe(210);
    expect(colour(5).h).toBe(210);
    expect(colour(1).h).toBe(0);
    expect(colour(4).h).toBe(0);
    // The largest magnitude is darkest (the notebook's lightness falls with |v|).
    expect(colour(2).l).toBeLessThan(colour(5).l);
    expect(colour(1).l).toBeLessThan(colour(4).l);
    const height = (ch: number) => Number(bar(ch).getAttribute('height'));
    expect(height(2)).toBeGreaterThan(height(1));
    expect(height(1)).toBeGreaterThan(height(5));
    expect(height(5)).toBeGreaterThan(height(4));
  });

  it('redraws in place when a new snapshot arrives', () => {
    const [v, setV] = createSignal(values);
    const { container } = render(() => <DistributionBars values={v()} />);
    const first = container.querySelector('rect.bar');
    setV([-2, 5, 1, 0.5, 0.25, 0.125]);
    const bars = [...container.querySelectorAll('rect.bar')];
    expect(bars[0]).toBe(first); // same element, new data
    expect(bars.map((b) => Number(b.getAttribute('data-channel')))).toEqual([1, 2, 3, 4, 5, 0]);
  });

  it("draws each channel's 2-sigma bar as one segment of one path, on the bars' scale", () => {
    const { container } = render(() => <DistributionBars values={values} errors={[0.1, 0.2, 0.3, 0, 0.05, 0.4]} />);
    const d = container.querySelector('path.error-bar')!.getAttribute('d')!;
    const segments = [...d.matchAll(/M([\d.]+) ([\d.]+)V([\d.]+)/g)].map((m) => m.slice(1).map(Number));
    expect(segments).toHaveLength(values.length);
    // Rank 0 is channel 2 (3.0 +- 0.6 of the largest 3.0): from the top (clamped) down to 2.4/3.0 of 96 px.
    expect(segments[0][0]).toBeCloseTo(0.4);
    expect(segments[0][1]).toBeCloseTo(0);
    expect(segments[0][2]).toBeCloseTo(96 - (96 * 2.4) / 3.0, 1);
    // Rank 5 is channel 1 (-2.5, error 0.2): its bar reaches from |v| + 2e = 2.9 to |v| - 2e = 2.1.
    expect(segments[5][0]).toBeCloseTo(5.4);
    expect(segments[5][1]).toBeCloseTo(96 - (96 * 2.9) / 3.0, 1);
    expect(segments[5][2]).toBeCloseTo(96 - (96 * 2.1) / 3.0, 1);
    // Without errors there is no path.
    const plain = render(() => <DistributionBars values={values} />);
    expect(plain.container.querySelector('path.error-bar')).toBeNull();
  });

  it('gives a bar its title (channel, value, 2-sigma) while the pointer is on it', () => {
    const { container } = render(() => <DistributionBars values={values} errors={[0.1, 0.2, 0.3, 0, 0.05, 0.4]} />);
    const bar = container.querySelector('rect[data-channel="5"]')!;
    expect(bar.querySelector('title')!.textContent).toBe('');
    bar.dispatchEvent(new MouseEvent('mouseenter'));
    expect(bar.querySelector('title')!.textContent).toMatch(/^channel 5: 1\.6\d* ± 0\.8/);
    bar.dispatchEvent(new MouseEvent('mouseleave'));
    expect(bar.querySelector('title')!.textContent).toBe('');
  });
});
