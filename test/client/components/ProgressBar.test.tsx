import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../client/src/components/ProgressBar';

describe('ProgressBar', () => {
  it('exposes steps done to assistive technology and shows the ETA while running', () => {
    const { getByRole, container } = render(() => (
      <ProgressBar stepsDone={30} stepsTotal={120} elapsedMs={3000} etaMs={9000} status="RUNNING" />
    ));
    const bar = getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(bar.getAttribute('aria-valuemax')).toBe('120');
    expect((container.querySelector('.progress-fill') as HTMLElement).style.width).toBe('25%');
    expect(container.textContent).toContain('ETA 9.0 s');
  });

  it('fills the bar of a job that settled before its maximum, and says so', () => {
    const { getByRole, container } = render(() => <ProgressBar stepsDone={63} stepsTotal={256} elapsedMs={3000} status="SUCCEEDED" />);
    expect(getByRole('progressbar').getAttribute('aria-valuenow')).toBe('63');
    expect((container.querySelector('.progress-fill') as HTMLElement).style.width).toBe('100%');
    expect(container.textContent).toContain('63 steps, settled before the maximum of 256');
  });

  it('leaves a cancelled job partly filled', () => {
    const { container } = render(() => <ProgressBar stepsDone={64} stepsTotal={256} status="CANCELLED" />);
    expect((container.querySelector('.progress-fill') as HTMLElement).style.width).toBe('25%');
    expect(container.textContent).toContain('64 / 256 steps');
  });
});
