import { Show } from 'solid-js';
import type { JobSummaryFieldsFragment } from '../gql/graphql';
import { formatTimestamp } from '../lib/format';
import { METHODS, RULES } from './JobForm';
import { StatusBadge } from './StatusBadge';

/** What a job is: class pair, layer, method, steps and rule, its status and backend. */
/** `comparing`: the header of three jobs that differ only in method, so method and status are left to each column. */
export function JobHeader(props: { job?: JobSummaryFieldsFragment; status?: string; comparing?: boolean; onRestart?: () => void }) {
  const method = () => METHODS.find((m) => m.value === props.job?.input.method)?.label ?? props.job?.input.method;
  // The form's option labels carry a hint for choosing ("nested; until settled"); a job's header names the rule alone.
  const rule = () => RULES.find((r) => r.value === props.job?.input.rule)?.label.replace(/ \(.*\)$/, '') ?? props.job?.input.rule;
  return (
    <header class="job-header">
      <Show when={props.job} fallback={<h2>Loading job…</h2>}>
        {(job) => (
          <>
            <h2>
              <span class="class1">{job().input.class1Label}</span> <span class="vs">vs</span>{' '}
              <span class="class2">{job().input.class2Label}</span>
            </h2>
            <p class="job-meta">
              <Show when={!props.comparing}>
                <StatusBadge status={props.status ?? job().status} />
              </Show>
              <span>{job().input.layer}</span>
              <span>{props.comparing ? 'linear · path · stochastic path' : method()}</span>
              <Show when={job().input.method !== 'SIMPLE' || props.comparing}>
                <span>
                  {job().input.steps} steps, {rule()}
                </span>
              </Show>
              <Show when={job().input.method === 'STOCHASTIC_PATH' || props.comparing}>
                <span>seed {job().input.seed}</span>
              </Show>
              <Show when={job().backend}>
                <span>on {job().backend}</span>
              </Show>
              <span>{formatTimestamp(job().createdAt)}</span>
            </p>
            <Show when={job().error}>{(err) => <p class="field-error" role="alert">{`${err().code}: ${err().message}`}</p>}</Show>
            <Show when={props.onRestart && (props.status ?? job().status) === 'INTERRUPTED'}>
              <p class="note">
                The server stopped while this job ran.{' '}
                <button type="button" onClick={() => props.onRestart!()}>
                  Run it again
                </button>
              </p>
            </Show>
          </>
        )}
      </Show>
    </header>
  );
}
