import { createSignal, For, Match, Show, Switch } from 'solid-js';
import type { GridPosition } from './GroupsOverlay';

export interface LayerToLayerView {
  from: string;
  to: string;
  fromWidth: number;
  fromHeight: number;
  toWidth: number;
  toHeight: number;
  /** One heatmap over `from`'s grid per position of `to`'s, row-major. */
  heatmaps: readonly string[];
}

/** Target positions the server attributes in one request (MAX_TARGET_POSITIONS on the server). */
export const MAX_LAYER_TO_LAYER_TARGETS = 196;

/** The cell of the later grid that covers a cell of the earlier one (both span the whole image). */
export function coveringCell(
  p: GridPosition,
  from: { width: number; height: number },
  to: { width: number; height: number },
): GridPosition {
  return {
    x: Math.min(to.width - 1, Math.floor(((p.x + 0.5) * to.width) / from.width)),
    y: Math.min(to.height - 1, Math.floor(((p.y + 0.5) * to.height) / from.height)),
  };
}

/**
 * Layer-to-layer spatial attribution at the pointed position (Building Blocks, "Spatial
 * Attribution"; Lucid's AttrSpatial.ipynb): the later layer's cell under the pointer, and which
 * positions of the job's layer feed it. Opt-in: the server runs one backward pass per cell.
 */
export function LayerToLayerDetail(props: {
  from: string;
  to?: string;
  /** The later layers to choose from. */
  layers: readonly string[];
  /** The pointed position on the job's (`from`'s) grid. */
  position?: GridPosition;
  grid: { width: number; height: number };
  view?: LayerToLayerView | { error: string } | null;
  requested: boolean;
  onRequest: (to: string) => void;
  imageUrl?: string;
}) {
  // The layer picked in the select before asking; once asked, the parent's `to` is the one shown.
  const [picked, setPicked] = createSignal<string>();
  const chosen = () => (props.requested ? props.to : props.layers.includes(picked() ?? '') ? picked() : props.to);
  const pick = (layer: string) => {
    setPicked(layer);
    if (props.requested) props.onRequest(layer);
  };
  const loaded = () => (props.view && !('error' in props.view) ? props.view : undefined);
  const cell = () => {
    const v = loaded();
    return v && props.position ? coveringCell(props.position, props.grid, { width: v.toWidth, height: v.toHeight }) : undefined;
  };
  return (
    <Show when={props.to}>
      {(to) => (
        <section
          class="layer-to-layer"
          aria-label={`Layer-to-layer spatial attribution back to ${props.from}`}
          aria-live="polite"
          data-testid="layer-to-layer"
        >
          <div class="layer-to-layer-controls">
            <label>
              Later layer{' '}
              <select data-testid="layer-to-layer-layer" value={chosen()} onChange={(e) => pick(e.currentTarget.value)}>
                <For each={props.layers}>
                  {(l) => (
                    <option value={l} selected={l === chosen()}>
                      {l}
                    </option>
                  )}
                </For>
              </select>
            </label>
            <Show when={!props.requested}>
              <button type="button" data-testid="layer-to-layer-request" onClick={() => props.onRequest(chosen() ?? to())}>
                Show which {props.from} positions feed each position of it
              </button>
              <span class="note">one backward pass per position, a few seconds</span>
            </Show>
          </div>
          <Switch>
            <Match when={!props.requested}>{null}</Match>
            <Match when={props.view && 'error' in props.view ? props.view : undefined}>
              {(e) => (
                <p class="field-error" role="alert">
                  {e().error}
                </p>
              )}
            </Match>
            <Match when={!loaded()}>
              <p class="note">
                Attributing every {to()} position back to {props.from}…
              </p>
            </Match>
            <Match when={!cell()}>
              <p class="note">
                Point at the image to see which {props.from} positions feed the {to()} position there.
              </p>
            </Match>
            <Match when={cell()}>
              {(c) => (
                <>
                  <h4 data-testid="layer-to-layer-heading">
                    {to()} column {c().x}, row {c().y} draws on these {props.from} positions
                  </h4>
                  <div class="layer-to-layer-map">
                    <Show when={props.imageUrl}>
                      <img src={props.imageUrl} alt="" class="groups-image" />
                    </Show>
                    <img
                      src={loaded()!.heatmaps[c().y * loaded()!.toWidth + c().x]}
                      alt={`Layer-to-layer attribution from ${to()} column ${c().x}, row ${c().y} back to ${props.from}: blue where a position adds to its activation, red where it takes away.`}
                      class="layer-to-layer-heatmap"
                      data-testid="layer-to-layer-heatmap"
                    />
                    <div
                      class="position-cursor"
                      style={{
                        left: `${(c().x / loaded()!.toWidth) * 100}%`,
                        top: `${(c().y / loaded()!.toHeight) * 100}%`,
                        width: `${100 / loaded()!.toWidth}%`,
                        height: `${100 / loaded()!.toHeight}%`,
                      }}
                    />
                  </div>
                </>
              )}
            </Match>
          </Switch>
        </section>
      )}
    </Show>
  );
}
