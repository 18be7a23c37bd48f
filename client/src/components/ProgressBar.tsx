import { Show } from 'solid-js';
import { formatDuration } from '../lib/format';

/** Steps done out of the total, with elapsed time and the engine's ETA. */
export function ProgressBar(props: { stepsDone: number; stepsTotal: number; elapsedMs?: number | null; etaMs?: number | null; status?: string }) {
  const fraction = () => (props.stepsTotal > 0 ? Math.min(1, props.stepsDone / props.stepsTotal) : 0);
  return (
    <div class="progress">
      <div
        class="progress-track"
        role="progressbar"
        aria-label="Steps done"
        aria-valuemin={0}
        aria-valuemax={props.stepsTotal}
        aria-valuenow={props.stepsDone}
        data-status={props.status}
      >
        <div class="progress-fill" style={{ width: `${(fraction() * 100).toFixed(2)}%` }} />
      </div>
      <p class="progress-text">
        <span data-testid="steps-done">
          {props.stepsDone} / {props.stepsTotal} steps
        </span>
        <Show when={props.elapsedMs != null}>
          <span>elapsed {formatDuration(props.elapsedMs!)}</span>
        </Show>
        <Show when={props.etaMs != null && props.stepsDone < props.stepsTotal && props.status === 'RUNNING'}>
          <span>ETA {formatDuration(props.etaMs!)}</span>
        </Show>
      </p>
    </div>
  );
}
