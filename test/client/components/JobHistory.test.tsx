import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it, vi } from 'vitest';
import { JobHistory } from '../../../client/src/components/JobHistory';
import type { JobSummaryFieldsFragment } from '../../../client/src/gql/graphql';

const job = {
  id: 'job-1',
  status: 'SUCCEEDED',
  stepsDone: 100,
  stepsTotal: 100,
  createdAt: '2026-12-01T20:00:00.000Z',
  image: { id: 'example-dog_cat_composite', path: '/images/example-dog_cat_composite' },
  input: { class1Label: 'Labrador retriever', class2Label: 'tiger cat', layer: 'mixed4d', method: 'PATH' },
} as unknown as JobSummaryFieldsFragment;

function setup() {
  const onOpen = vi.fn();
  const r = render(() => (
    <JobHistory
      jobs={[job]}
      hrefOf={(j) => `/jobs/${j.id}`}
      onOpen={onOpen}
      compareOf={() => undefined}
      hasMore={false}
      loading={false}
      onMore={() => undefined}
      onRefresh={() => undefined}
    />
  ));
  return { ...r, onOpen };
}

describe('JobHistory', () => {
  it('opens a job from a click anywhere on its row, not only on the link text', () => {
    const { container, onOpen } = setup();
    const row = container.querySelector('tr[data-job-id="job-1"]')!;
    fireEvent.click(row.querySelectorAll('td')[2]); // the layer cell
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(onOpen).toHaveBeenCalledWith(job);
  });

  it('a click on the link opens the job once (the link handles it), and the link stays for the keyboard', () => {
    const { getByRole, onOpen } = setup();
    const link = getByRole('link', { name: /Labrador retriever vs tiger cat/ });
    expect(link.getAttribute('href')).toBe('/jobs/job-1');
    fireEvent.click(link);
    expect(onOpen).toHaveBeenCalledTimes(1);
  });
});
