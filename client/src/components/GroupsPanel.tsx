import { Show } from 'solid-js';
import type { ChannelPictures } from './channel-pictures';
import { GroupList, type GroupRow } from './GroupList';
import { GroupsOverlay, type GridPosition } from './GroupsOverlay';
import { LayerToLayerDetail, type LayerToLayerView } from './LayerToLayerDetail';
import { PositionDetail, type PositionInfo } from './PositionDetail';

export interface GroupsView {
  count: number;
  width: number;
  height: number;
  reconstructionError: number;
  tint: string;
  groups: readonly (GroupRow & { heatmap: string })[];
}

/**
 * The article's headline interface (Building Blocks of Interpretability, "Making Sense of Neuron
 * Groups"), live: the image tinted by each group's region, each group's attribution and
 * channels, and the semantic dictionary and spatial attribution of the position pointed at.
 */
export function GroupsPanel(props: {
  groups: GroupsView;
  stepsDone: number;
  /** The image the regions are drawn over and the channels' feature visualizations. */
  pictures?: ChannelPictures;
  position?: GridPosition;
  onPosition: (p: GridPosition) => void;
  positionInfo?: PositionInfo | null;
  /** The groups' icons by index, once rendered; undefined while the server renders them. */
  icons?: readonly (string | null)[];
  /** Layer-to-layer attribution from the next layer back to the job's (absent at the last layer). */
  layerToLayer?: {
    from: string;
    to?: string;
    layers: readonly string[];
    view?: LayerToLayerView | { error: string } | null;
    requested: boolean;
    onRequest: (to: string) => void;
  };
}) {
  return (
    <section class="panel groups-panel" aria-label="Neuron groups">
      <h3>
        Neuron groups{' '}
        <span class="note">
          {props.groups.count} groups by NMF; they miss {(props.groups.reconstructionError * 100).toFixed(0)}% of the activations
        </span>
      </h3>
      {/* Icons wait in the server's render lane and step aside for attribution: they arrive after the job. */}
      <Show when={props.icons === undefined}>
        <p class="note" role="status" data-testid="group-icons-status">
          Group icons are queued: they render when no attribution runs, in turn with the channel pictures.
        </p>
      </Show>
      <div class="groups-layout">
        <GroupsOverlay
          imageUrl={props.pictures?.imageUrl}
          tint={props.groups.tint}
          width={props.groups.width}
          height={props.groups.height}
          size={224}
          position={props.position}
          onPosition={props.onPosition}
        />
        <GroupList
          groups={props.groups.groups.map((g) => ({ ...g, icon: props.icons?.[g.index] ?? null }))}
          pictures={props.pictures}
          stepsDone={props.stepsDone}
        />
      </div>
      <PositionDetail position={props.position} info={props.positionInfo} pictures={props.pictures} />
      <Show when={props.layerToLayer}>
        {(l) => (
          <LayerToLayerDetail
            from={l().from}
            to={l().to}
            layers={l().layers}
            position={props.position}
            grid={{ width: props.groups.width, height: props.groups.height }}
            view={l().view}
            requested={l().requested}
            onRequest={l().onRequest}
            imageUrl={props.pictures?.imageUrl}
          />
        )}
      </Show>
    </section>
  );
}
