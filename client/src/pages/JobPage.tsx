import { Show } from 'solid-js';
import { hasSprite } from '../components/ChannelSprite';
import { GroupsPanel } from '../components/GroupsPanel';
import { JobHeader } from '../components/JobHeader';
import { LayersView } from '../components/LayersView';
import { LivePanel } from '../components/LivePanel';
import { useStore } from '../store';
import { createLayerSprites } from '../store/create-layer-sprites';
import type { JobTracker } from '../store/create-job-tracker';
import { errorMessage } from '../store/field-errors';
import { useChannelSelection } from './ChannelDetailSection';
import { LayerSpritesSection } from './LayerSpritesSection';

function JobError(props: { job: JobTracker }) {
  return (
    <Show when={props.job.error()}>
      {(e) => (
        <p class="field-error" role="alert">
          {errorMessage(e())}
        </p>
      )}
    </Show>
  );
}

/** The neuron groups of a job that asked for them: regions, rows, icons, and what the pointed position holds. */
function JobGroups() {
  const { workbench, groupIcons } = useStore();
  const job = workbench.job;
  return (
    <Show when={job.snapshot()?.groups}>
      {(g) => (
        <GroupsPanel
          groups={g()}
          stepsDone={job.snapshot()!.stepsDone}
          pictures={workbench.picturesOf(job)}
          position={workbench.position()}
          onPosition={workbench.setPosition}
          positionInfo={workbench.positionInfo()}
          icons={groupIcons.icons(job.jobId()) ?? undefined}
          layerToLayer={workbench.layerToLayer()}
        />
      )}
    </Show>
  );
}

/** One job (its URL is /jobs/:id), live while it runs and as stored once it is over. */
export function JobPage() {
  const { workbench } = useStore();
  const job = workbench.job;
  const selection = useChannelSelection();
  return (
    <Show
      when={!job.notFound()}
      fallback={
        <p class="field-error" role="alert">
          No job with this id.
        </p>
      }
    >
      <JobHeader job={job.job()} status={job.status()} onRestart={workbench.restart} />
      <JobError job={job} />
      <LivePanel
        status={job.status()}
        snapshot={job.snapshot()}
        history={job.history()}
        exact={job.job()?.input.method === 'SIMPLE'}
        stochastic={job.job()?.input.method === 'STOCHASTIC_PATH'}
        settledAt={job.settledAt()}
        pictures={workbench.picturesOf(job)}
        selection={selection}
      />
      <Show when={(job.snapshot()?.layers?.length ?? 0) > 1 || job.snapshot()?.images}>
        <LayersView
          layers={job.snapshot()!.layers}
          imageUrl={workbench.imageUrl()}
          images={job.snapshot()!.images?.total}
          spritesFor={(layer) =>
            createLayerSprites(
              () => layer,
              (c) => hasSprite(workbench.spritemapOf(layer), c),
              () => job.job()?.input.model,
            )
          }
          spritemapOf={workbench.spritemapOf}
          galleryOf={workbench.channelGallery}
          gridOf={workbench.gridOf}
          flowOf={workbench.flowOf}
        />
      </Show>
      <LayerSpritesSection />
      <JobGroups />
    </Show>
  );
}
