import { createMutation, createQuery, useClient } from '@urql/solid';
import { createSignal } from 'solid-js';
import {
  type AttributionInput,
  CancelJobDocument,
  CompareMethodsDocument,
  type JobSummaryFieldsFragment,
  JobsDocument,
  RestartJobDocument,
  StartAttributionDocument,
} from '../gql/graphql';
import { NESTED_RULES } from '../lib/steps-that-run';
import type { Draft, DraftStore } from './create-draft-store';
import { errorMessage, type FieldErrors, fieldErrors } from './field-errors';

/** Rows per page of the history table; older ones page in on request. */
const HISTORY_PAGE_SIZE = 50;

/** Starting, comparing and cancelling jobs, and the job history. */
export function createJobsStore(draftStore: DraftStore) {
  const [starting, startAttribution] = createMutation(StartAttributionDocument);
  const [comparing, compareMethods] = createMutation(CompareMethodsDocument);
  const [, cancelJob] = createMutation(CancelJobDocument);
  const [, restartJob] = createMutation(RestartJobDocument);
  const [actionError, setActionError] = createSignal<string>();

  const client = useClient();
  const [history, refetchFirstPage] = createQuery({
    query: JobsDocument,
    variables: { first: HISTORY_PAGE_SIZE },
    requestPolicy: 'network-only',
  });
  // Pages after the first, appended by "Older jobs"; a refresh starts again from the newest.
  const [older, setOlder] = createSignal<{ jobs: JobSummaryFieldsFragment[]; endCursor: string | null; hasNextPage: boolean }>();
  const [olderError, setOlderError] = createSignal<string>();
  const refetchHistory = () => {
    setOlder(undefined);
    refetchFirstPage({ requestPolicy: 'network-only' });
  };
  async function loadMoreHistory() {
    const after = older()?.endCursor ?? history.data?.jobs.pageInfo.endCursor;
    if (!after) return;
    const r = await client.query(JobsDocument, { first: HISTORY_PAGE_SIZE, after }, { requestPolicy: 'network-only' }).toPromise();
    setOlderError(r.error?.message);
    const page = r.data?.jobs;
    if (page)
      setOlder((o) => ({
        jobs: [...(o?.jobs ?? []), ...page.edges.map((e) => e.node)],
        endCursor: page.pageInfo.endCursor,
        hasNextPage: page.pageInfo.hasNextPage,
      }));
  }

  /** One image at one layer as the single job always was; several of either as one job over all. */
  const inputOf = (imageIds: readonly string[], layers: readonly string[], d: Draft): AttributionInput => ({
    model: d.model,
    ...(imageIds.length > 1 ? { imageIds: [...imageIds] } : { imageId: imageIds[0] }),
    layer: d.layer,
    ...(layers.length > 1 && { layers: [...layers] }),
    class1: d.class1.trim() || null,
    class2: d.class2.trim() || null,
    method: d.method,
    steps: d.method === 'SIMPLE' ? 1 : d.steps,
    // Stopping when settled needs a rule whose points nest; the server picks one for the others.
    rule: d.untilSettled && d.method !== 'SIMPLE' && !NESTED_RULES.includes(d.rule) ? null : d.rule,
    seed: d.seed,
    topK: d.topK,
    tolerance: d.untilSettled && d.method !== 'SIMPLE' ? d.tolerance : null,
    groups: d.groups > 0 && layers.length <= 1 && imageIds.length <= 1 ? d.groups : null,
  });

  /** Validation the API would do anyway, caught before a round trip. */
  function localErrors(imageIds: readonly string[], d: Draft): FieldErrors {
    const e: FieldErrors = {};
    if (!imageIds.length) e.image = 'Pick an example or upload an image first.';
    if (!Number.isInteger(d.steps) || d.steps < 1 || d.steps > 2000) e.steps = 'Steps must be a whole number from 1 to 2000.';
    if (!Number.isInteger(d.seed)) e.seed = 'The seed must be a whole number.';
    if (d.untilSettled && !(d.tolerance > 0 && d.tolerance < 1))
      e.tolerance = 'The tolerance must be a percentage between 0 and 100 (1 means 1 %).';
    if (!Number.isInteger(d.groups) || d.groups < 0 || d.groups > 16)
      e.groups = 'Neuron groups must be a whole number from 0 (none) to 16.';
    return e;
  }

  async function start(imageIds: readonly string[], layers: readonly string[]): Promise<string | undefined> {
    const d = draftStore.draft;
    const local = localErrors(imageIds, d);
    draftStore.setErrors(local);
    if (Object.keys(local).length) return undefined;
    const input = inputOf(imageIds, layers, d);
    const result = await startAttribution({ input });
    draftStore.setErrors(fieldErrors(result.error, input));
    const id = result.data?.startAttribution.id;
    if (id) refetchHistory();
    return id;
  }

  async function compare(imageIds: readonly string[], layers: readonly string[]): Promise<string[] | undefined> {
    const d = draftStore.draft;
    const local = localErrors(imageIds, d);
    if (!local.form && (imageIds.length > 1 || layers.length > 1))
      local.form = 'Compare methods runs one image at one layer: untick the other layers and images, or start one job over all of them.';
    draftStore.setErrors(local);
    if (Object.keys(local).length) return undefined;
    const { method: _method, imageIds: _i, layers: _l, ...input } = inputOf(imageIds, layers, d);
    const result = await compareMethods({ input: { ...input, imageId: imageIds[0], steps: d.steps } });
    draftStore.setErrors(fieldErrors(result.error, input));
    const jobs = result.data?.compareMethods;
    if (jobs) refetchHistory();
    return jobs?.map((j) => j.id);
  }

  async function cancel(ids: readonly string[]) {
    setActionError(undefined);
    const results = await Promise.all(ids.map((id) => cancelJob({ id })));
    const failed = results.find((r) => r.error);
    if (failed) setActionError(errorMessage(failed.error!));
    refetchHistory();
  }

  /** Runs an interrupted (or any finished) job again, from step 0, as a new job. */
  async function restart(id: string): Promise<string | undefined> {
    setActionError(undefined);
    const result = await restartJob({ id });
    if (result.error) setActionError(errorMessage(result.error));
    refetchHistory();
    return result.data?.restartJob.id;
  }

  return {
    start,
    restart,
    compare,
    cancel,
    actionError,
    busy: () => starting.fetching || comparing.fetching,
    history: () => [...(history.data?.jobs.edges.map((e) => e.node) ?? []), ...(older()?.jobs ?? [])],
    historyHasMore: () => older()?.hasNextPage ?? history.data?.jobs.pageInfo.hasNextPage ?? false,
    historyLoading: () => history.fetching,
    historyError: () => history.error?.message ?? olderError(),
    loadMoreHistory: () => void loadMoreHistory(),
    refreshHistory: refetchHistory,
  };
}
export type JobsStore = ReturnType<typeof createJobsStore>;
