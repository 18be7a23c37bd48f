import { Show } from 'solid-js';
import { formatEta } from '../lib/format';
import { ProgressTrack } from './ProgressBar';

/**
 * How many of a layer's channels have a picture, and the control that renders the rest of the
 * layer (behind what is on screen and anything asked for explicitly, ahead of the background fill).
 */
export function LayerSpritesPanel(props: {
  layer: string;
  rendered: number;
  channels: number;
  /** A whole-layer render is under way. */
  rendering: boolean;
  /** Seconds until the last queued picture arrives, when known. */
  etaSeconds: number | null;
  error?: string;
  onRenderLayer: () => void;
}) {
  return (
    <section class="panel layer-sprites" aria-label={`Channel pictures of ${props.layer}`} data-testid="layer-sprites">
      <div class="section-head">
        <h3>Channel pictures of {props.layer}</h3>
        <Show when={props.rendered < props.channels}>
          <button type="button" data-testid="render-layer" disabled={props.rendering} onClick={() => props.onRenderLayer()}>
            {props.rendering ? 'Rendering the whole layer…' : `Render all ${props.channels} channels`}
          </button>
        </Show>
      </div>
      <div class="progress">
        <ProgressTrack
          label={`Channel pictures of ${props.layer} rendered`}
          value={props.rendered}
          max={props.channels}
          testId="layer-sprites-progress"
        />
        <p class="progress-text">
          <span>
            {props.rendered} / {props.channels} channels have a picture
          </span>
          <Show when={props.rendering && props.etaSeconds != null}>
            <span>done in about {formatEta(props.etaSeconds!)}</span>
          </Show>
        </p>
      </div>
      <Show when={props.error}>
        {(e) => (
          <p class="field-error" role="alert">
            {e()}
          </p>
        )}
      </Show>
    </section>
  );
}
