import { CompareView } from '../components/CompareView';
import { JobHeader } from '../components/JobHeader';
import { useStore } from '../store';
import { methodLabel } from '../store/create-workbench';
import { useChannelSelection } from './ChannelDetailSection';
import { LayerSpritesSection } from './LayerSpritesSection';

/** The three jobs of one compareMethods call (its URL is /compare/:ids), side by side. */
export function ComparePage() {
  const { workbench, router } = useStore();
  const selection = useChannelSelection();
  return (
    <>
      <JobHeader job={workbench.primary().job()} comparing />
      <CompareView
        columns={workbench.shown().map((t) => ({
          jobId: t.jobId()!,
          method: methodLabel(t.job()?.input.method),
          exact: t.job()?.input.method === 'SIMPLE',
          status: t.status(),
          snapshot: t.snapshot(),
          history: t.history(),
          pictures: workbench.picturesOf(t),
        }))}
        agreed={workbench.agreed()}
        selection={selection}
        onOpenJob={(id) => router.navigate({ page: 'job', jobId: id })}
      />
      <LayerSpritesSection />
    </>
  );
}
