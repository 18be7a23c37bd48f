import { Show } from 'solid-js';
import { ChannelDetail } from '../components/ChannelDetail';
import { useStore } from '../store';

/** The channel picked in a list or the distribution, up close (job and compare pages). */
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
          stepsTotal={d().stepsTotal}
          ranks={d().ranks}
          onClose={() => workbench.select(undefined)}
        />
      )}
    </Show>
  );
}
