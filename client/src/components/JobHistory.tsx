import { For, Show } from 'solid-js';
import type { JobSummaryFieldsFragment } from '../gql/graphql';
import { followLink } from '../lib/follow-link';
import { formatTimestamp } from '../lib/format';
import { StatusBadge } from './StatusBadge';

export interface JobHistoryProps {
  jobs: readonly JobSummaryFieldsFragment[];
  hrefOf: (job: JobSummaryFieldsFragment) => string;
  onOpen: (job: JobSummaryFieldsFragment) => void;
  /** The comparison a job belongs to (compareMethods), when its three jobs are listed. */
  compareOf: (job: JobSummaryFieldsFragment) => { href: string; open: () => void } | undefined;
  hasMore: boolean;
  loading: boolean;
  error?: string;
  onMore: () => void;
  onRefresh: () => void;
}

const METHOD_LABEL: Record<string, string> = { SIMPLE: 'linear', PATH: 'path', STOCHASTIC_PATH: 'stochastic path' };

/** Every job the server has stored, newest first. Each row links to the job's own URL; a click anywhere on it opens the job. */
export function JobHistory(props: JobHistoryProps) {
  return (
    <section class="history" aria-label="Job history">
      <header class="section-head">
        <h2>Job history</h2>
        <button type="button" onClick={() => props.onRefresh()} disabled={props.loading}>
          Refresh
        </button>
      </header>
      <Show when={props.error}>
        <p class="field-error" role="alert">
          {props.error}
        </p>
      </Show>
      <div class="table-scroll">
        <table data-testid="history">
          <thead>
            <tr>
              <th scope="col">image</th>
              <th scope="col">classes</th>
              <th scope="col">layer</th>
              <th scope="col">method</th>
              <th scope="col">steps</th>
              <th scope="col">status</th>
              <th scope="col">created</th>
            </tr>
          </thead>
          <tbody>
            <For
              each={props.jobs}
              fallback={
                <tr>
                  <td colspan="7">{props.loading ? 'Loading…' : 'No jobs yet.'}</td>
                </tr>
              }
            >
              {(job) => (
                <tr
                  data-job-id={job.id}
                  class="job-row"
                  // The whole row opens the job for a pointer; the link in it stays the keyboard's way in.
                  onClick={(e) => {
                    if (!(e.target as Element).closest('a, button')) props.onOpen(job);
                  }}
                >
                  <td>
                    <img src={job.image.path} alt="" width="36" height="36" />
                  </td>
                  <td>
                    <a href={props.hrefOf(job)} onClick={(e) => followLink(e, () => props.onOpen(job))}>
                      {job.input.class1Label} <span class="vs">vs</span> {job.input.class2Label}
                    </a>
                  </td>
                  <td>{job.input.layer}</td>
                  <td>
                    {METHOD_LABEL[job.input.method] ?? job.input.method}
                    <Show when={props.compareOf(job)}>
                      {(c) => (
                        <>
                          {' '}
                          <a href={c().href} class="compare-link" onClick={(e) => followLink(e, c().open)}>
                            (compare)
                          </a>
                        </>
                      )}
                    </Show>
                  </td>
                  <td>
                    {job.stepsDone}/{job.stepsTotal}
                  </td>
                  <td>
                    <StatusBadge status={job.status} />
                  </td>
                  <td>{formatTimestamp(job.createdAt)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Show when={props.hasMore}>
        <button type="button" onClick={() => props.onMore()} disabled={props.loading}>
          Older jobs
        </button>
      </Show>
    </section>
  );
}
