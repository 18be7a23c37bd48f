import { Show } from 'solid-js';

/** An API or validation error, shown under the input it belongs to and announced to screen readers. */
export function FieldError(props: { id: string; message?: string }) {
  return (
    <Show when={props.message}>
      <p class="field-error" id={props.id} role="alert" data-testid={props.id}>
        {props.message}
      </p>
    </Show>
  );
}
