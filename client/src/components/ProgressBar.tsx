import { Show } from 'solid-js';
import { formatDuration } from '../lib/format';

/** The bar itself: an ARIA progressbar with its value, its maximum and what it counts. */
export function ProgressTrack(props: { label: string; value: number; max: number; status?: string; testId?: string }) {
  const fraction = () => (props.max > 0 ? Math.min(1, props.value / props.max) : 0);
  return (
    <div
      class="progress-track"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={props.max}
      aria-valuenow={props.value}
      data-status={props.status}
      data-testid={props.testId}
    >
      <div class="progress-fill" style={{ width: `${(fraction() * 100).toFixed(2)}%` }} />
    </div>
  );
}

/**
 * Steps done out of the total, with elapsed time and the engine's ETA. A job that finished before
 * its maximum (it settled within its tolerance) is complete: its bar is full, and the text says
 * where it stopped against the maximum it was allowed.
 */
export function ProgressBar(props: {
  stepsDone: number;
  stepsTotal: number;
  elapsedMs?: number | null;
  etaMs?: number | null;
  status?: string;
}) {
  const stoppedEarly = () => props.status === 'SUCCEEDED' && props.stepsDone < props.stepsTotal;
  return (
    <div class="progress">
      <ProgressTrack
        label="Steps done"
        value={props.stepsDone}
        max={stoppedEarly() ? props.stepsDone : props.stepsTotal}
        status={props.status}
      />
      <p class="progress-text">
        <span data-testid="steps-done">
          {stoppedEarly()
            ? `${props.stepsDone} steps, settled before the maximum of ${props.stepsTotal}`
            : `${props.stepsDone} / ${props.stepsTotal} steps`}
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
