import { For, Show } from 'solid-js';
import { formatPercent } from '../lib/format';

export interface Prediction {
  probability: number;
  logit: number;
  class: { index: number; name: string };
}

/** The chosen image and what the chosen model sees in it: the top-5 classes, with probability and logit. */
export function Predictions(props: { imageUrl: string; name: string; predictions: readonly Prediction[]; error?: string }) {
  return (
    <figure class="predictions">
      <img src={props.imageUrl} alt={props.name} />
      <figcaption>
        <table data-testid="predictions">
          <caption class="visually-hidden">Top-5 predictions</caption>
          <thead>
            <tr>
              <th scope="col">class</th>
              <th scope="col">p</th>
              <th scope="col">logit</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.predictions}>
              {(p) => (
                <tr>
                  <th scope="row">
                    <span class="prob-bar" style={{ width: `${(p.probability * 100).toFixed(1)}%` }} />
                    <span class="class-name">{p.class.name}</span> <span class="class-index">#{p.class.index}</span>
                  </th>
                  <td>{formatPercent(p.probability)}</td>
                  <td>{p.logit.toFixed(2)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={props.error}>
          <p class="field-error" role="alert">
            {props.error}
          </p>
        </Show>
      </figcaption>
    </figure>
  );
}
