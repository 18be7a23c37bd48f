import { Show } from 'solid-js';

export interface GridPosition {
  x: number;
  y: number;
}

export interface GroupsOverlayProps {
  imageUrl?: string;
  /** Every group's region in its colour, one PNG (one pixel per grid position). */
  tint: string;
  width: number;
  height: number;
  size: number;
  position?: GridPosition;
  onPosition: (p: GridPosition) => void;
}

/**
 * The article's neuron-group view of the image: each group's region tinted in its colour over
 * the centre-cropped image. Pointing at the image (or moving a cursor with the arrow keys)
 * picks one position of the layer's grid, which the semantic dictionary and the spatial
 * attribution then describe.
 */
export function GroupsOverlay(props: GroupsOverlayProps) {
  const at = (e: MouseEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const x = Math.min(props.width - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * props.width)));
    const y = Math.min(props.height - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * props.height)));
    if (x !== props.position?.x || y !== props.position?.y) props.onPosition({ x, y });
  };
  const onKey = (e: KeyboardEvent) => {
    const p = props.position ?? { x: Math.floor(props.width / 2), y: Math.floor(props.height / 2) };
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    props.onPosition({ x: Math.min(props.width - 1, Math.max(0, p.x + m[0])), y: Math.min(props.height - 1, Math.max(0, p.y + m[1])) });
  };
  return (
    <div
      class="groups-overlay"
      style={{ width: `${props.size}px`, height: `${props.size}px` }}
      tabindex="0"
      role="group"
      aria-label={`Image with each neuron group's region tinted in its colour. Use the arrow keys to pick a position of the ${props.width} by ${props.height} grid${props.position ? `; now column ${props.position.x}, row ${props.position.y}` : ''}.`}
      onMouseMove={at}
      onKeyDown={onKey}
      onFocus={() => !props.position && props.onPosition({ x: Math.floor(props.width / 2), y: Math.floor(props.height / 2) })}
    >
      <Show when={props.imageUrl}>
        <img src={props.imageUrl} alt="" class="groups-image" />
      </Show>
      <img src={props.tint} alt="" class="group-tint" />
      <Show when={props.position}>
        {(p) => (
          <div
            class="position-cursor"
            style={{
              left: `${(p().x / props.width) * 100}%`,
              top: `${(p().y / props.height) * 100}%`,
              width: `${100 / props.width}%`,
              height: `${100 / props.height}%`,
            }}
          />
        )}
      </Show>
    </div>
  );
}
