import { Show } from 'solid-js';
import { ChannelDetail } from '../components/ChannelDetail';
import type { ChannelSelection } from '../components/channel-selection';
import { useStore } from '../store';

/** The channel picked in a list or the distribution, up close. */
export function ChannelDetailSection() {
  const { workbench, heatmaps } = useStore();
  return (
    <Show when={workbench.detail()}>
      {(d) => (
        <ChannelDetail
          channel={d().channel}
          layer={workbench.detailLayer()}
          imageUrl={workbench.imageUrl()}
          heatmapUrl={heatmaps.heatmap(workbench.primary().snapshot(), d().channel)}
          spritemap={workbench.spritemap()}
          picture={workbench.pictureOf(d().channel)}
          examples={workbench.detailExamples(d().channel)}
          trace={d().trace}
          stepsEnd={d().stepsEnd}
          ranks={d().ranks}
          gallery={workbench.channelGallery(workbench.detailLayer(), d().channel)}
          onClose={workbench.closeDetail}
        />
      )}
    </Show>
  );
}

/** The job and compare pages' selection: the detail opens beside the row (or chart) it was picked in. */
export function useChannelSelection(): ChannelSelection {
  const { workbench } = useStore();
  return {
    get channel() {
      return workbench.selected();
    },
    get from() {
      return workbench.selectedFrom();
    },
    select: workbench.select,
    detail: () => <ChannelDetailSection />,
  };
}
