import { onMount } from 'solid-js';
import { JobHistory } from '../components/JobHistory';
import { useStore } from '../store';
import { routePath } from '../store/router';

/** Every stored job, newest first (its URL is /history); opening the page reads the list again. */
export function HistoryPage() {
  const { jobs, router, workbench } = useStore();
  onMount(() => jobs.refreshHistory());
  return (
    <JobHistory
      jobs={jobs.history()}
      hrefOf={(job) => routePath({ page: 'job', jobId: job.id })}
      onOpen={(job) => router.navigate({ page: 'job', jobId: job.id })}
      compareOf={(job) => {
        const ids = workbench.comparisonOf(job);
        return (
          ids && {
            href: routePath({ page: 'compare', jobIds: ids }),
            open: () => router.navigate({ page: 'compare', jobIds: ids }),
          }
        );
      }}
      hasMore={jobs.historyHasMore()}
      loading={jobs.historyLoading()}
      error={jobs.historyError()}
      onMore={jobs.loadMoreHistory}
      onRefresh={jobs.refreshHistory}
    />
  );
}
