import { createStore, reconcile } from 'solid-js/store';
import type { AttributionMethod, JobSummaryFieldsFragment, QuadratureRule } from '../gql/graphql';
import type { FieldErrors } from './field-errors';

/** What the input panel holds before a job starts. */
export interface Draft {
  /** The model's id (`googlenet-bvlc`: the built-in one). */
  model: string;
  class1: string;
  class2: string;
  layer: string;
  /** More layers to attribute at in the same job, besides `layer` (one forward pass for all); empty for one layer. */
  moreLayers: string[];
  method: AttributionMethod;
  steps: number;
  rule: QuadratureRule;
  seed: number;
  /** Channels shown in each direction (the notebook's n_show). */
  topK: number;
  /** Neuron groups to factor the layer into (the notebook's 6); 0 for none. */
  groups: number;
  /** Stop when settled: run until the estimated relative error is at most `tolerance` and the lists have settled. */
  untilSettled: boolean;
  tolerance: number;
}

/**
 * New jobs: mixed4d, until settled at 1 % (the SQUARED rule, at most 256 steps), which
 * bench/convergence.ts measured as accurate as the notebook's 100-step left Riemann sum in about
 * a third of its steps. The notebook's fixed rule stays one click away, and is the API's default.
 */
export const DEFAULT_DRAFT: Draft = {
  model: 'googlenet-bvlc',
  class1: '',
  class2: '',
  layer: 'mixed4d',
  moreLayers: [],
  method: 'PATH',
  steps: 256,
  rule: 'SQUARED',
  seed: 0,
  topK: 10,
  groups: 6,
  untilSettled: true,
  tolerance: 0.01,
};

export function createDraftStore() {
  const [draft, setDraft] = createStore<Draft>({ ...DEFAULT_DRAFT });
  const [errors, setErrors] = createStore<{ byField: FieldErrors }>({ byField: {} });

  return {
    draft,
    set<K extends keyof Draft>(key: K, value: Draft[K]) {
      setDraft(key, value as never);
      // An error belongs to the value that caused it: editing the field clears it.
      if (key in errors.byField) setErrors('byField', key as keyof FieldErrors, undefined);
    },
    /** Reopening a job puts its inputs back in the form, ready to rerun with changes. */
    loadFromJob(job: JobSummaryFieldsFragment) {
      const i = job.input;
      setDraft({
        model: i.model,
        class1: i.class1 ?? '',
        class2: i.class2 ?? '',
        layer: i.layer,
        moreLayers: i.layers.filter((l) => l !== i.layer),
        method: i.method,
        // A linear job runs one step; keep the path step count the user had.
        steps: i.method === 'SIMPLE' ? draft.steps : i.steps,
        rule: i.rule,
        seed: i.seed,
        topK: i.topK,
        groups: i.groups ?? 0,
        untilSettled: i.tolerance != null,
        tolerance: i.tolerance ?? draft.tolerance,
      });
      setErrors('byField', reconcile({}));
    },
    errors: () => errors.byField,
    setErrors: (e: FieldErrors) => setErrors('byField', reconcile(e)),
  };
}
export type DraftStore = ReturnType<typeof createDraftStore>;
