import { For, Show, untrack } from 'solid-js';
import type { AttributionMethod, QuadratureRule } from '../gql/graphql';
import type { ClassLabel } from '../lib/class-options';
import type { Draft } from '../store/create-draft-store';
import type { FieldErrors } from '../store/field-errors';
import { stepsThatRun } from '../lib/steps-that-run';
import { ClassAutocomplete } from './ClassAutocomplete';
import { FieldError } from './FieldError';

export const METHODS: { value: AttributionMethod; label: string; hint: string }[] = [
  { value: 'SIMPLE', label: 'Linear', hint: 'gradient × activation, one step' },
  { value: 'PATH', label: 'Path', hint: 'integrated gradients from zero activations' },
  { value: 'STOCHASTIC_PATH', label: 'Stochastic path', hint: 'each channel scaled by (U+U)/1.5 per step, seeded' },
];

export const RULES: { value: QuadratureRule; label: string }[] = [
  { value: 'LEFT_RIEMANN', label: 'Left Riemann (notebook)' },
  { value: 'TRAPEZOID', label: 'Trapezoid' },
  { value: 'MIDPOINT', label: 'Midpoint' },
  { value: 'GAUSS_LEGENDRE', label: 'Gauss–Legendre' },
  { value: 'SIDI', label: 'Sidi (nested)' },
  { value: 'SQUARED', label: 'Squared (nested; until settled)' },
];

const RULE_NAME: Record<QuadratureRule, string> = {
  LEFT_RIEMANN: 'the left Riemann sum',
  TRAPEZOID: 'the trapezoid rule',
  MIDPOINT: 'the midpoint rule',
  GAUSS_LEGENDRE: 'Gauss–Legendre',
  SIDI: 'Sidi',
  SQUARED: 'the squared rule',
};

/**
 * Why the job will run other steps (or another rule) than the form shows: a run that stops when
 * settled stops only at a nested level (3 x 2^k steps for the squared rule, 2^k - 1 for Sidi, 2^k
 * for the left Riemann sum).
 * Undefined where the form's numbers are what runs.
 */
export function stepsNote(d: Draft): string | undefined {
  const run = stepsThatRun(d);
  if (run.steps === d.steps && run.rule === d.rule) return undefined;
  if (d.method === 'SIMPLE' || !Number.isInteger(run.steps) || run.steps < 1) return undefined;
  const levels = [run.steps >> 2, run.steps >> 1, run.steps].filter((n) => n > 0).join(', ');
  const ruleChange =
    run.rule !== d.rule ? `Until settled needs a rule whose points nest: ${RULE_NAME[run.rule]} replaces ${RULE_NAME[d.rule]}. ` : '';
  const why =
    run.rule === 'SIDI'
      ? `Sidi's nested levels are 2^k − 1 steps (…, ${levels})`
      : run.rule === 'SQUARED'
        ? `the squared rule's nested levels are 3 × 2^k steps (…, ${levels})`
        : `${RULE_NAME[run.rule]}'s nested levels are powers of 2 (…, ${levels})`;
  return `${ruleChange}Runs at most ${run.steps} steps: ${why}, and a run that stops when settled ends on one.`;
}

export interface JobFormProps {
  draft: Draft;
  onChange: <K extends keyof Draft>(key: K, value: Draft[K]) => void;
  layers: readonly { name: string; channels: number }[];
  classes: readonly ClassLabel[];
  suggested: readonly ClassLabel[];
  errors: FieldErrors;
  busy?: boolean;
  /** Images the job would run on (several: no neuron groups, which are for one image at one layer). */
  images: number;
  /** Jobs on screen that are still queued or running. */
  cancellable: boolean;
  actionError?: string;
  onStart: () => void;
  onCompare: () => void;
  onCancel: () => void;
}

/** The job's layers in the model's order (input to output): the chosen one and the others ticked. */
export function jobLayers(d: Pick<Draft, 'layer' | 'moreLayers'>, order: readonly { name: string }[]): string[] {
  const wanted = new Set([d.layer, ...d.moreLayers]);
  const known = order.filter((l) => wanted.has(l.name)).map((l) => l.name);
  return [...known, ...[...wanted].filter((l) => !known.includes(l))];
}

/** Neuron groups factor one layer of one image: a job over several has none. */
export const groupsApply = (d: Pick<Draft, 'moreLayers'>, images: number) => d.moreLayers.length === 0 && images <= 1;

/** Class pair, layer(s), method, steps, rule and seed; start, compare all three methods, or cancel. */
export function JobForm(props: JobFormProps) {
  const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  const note = () => stepsNote(props.draft);
  const others = () => props.layers.filter((l) => l.name !== props.draft.layer);
  const allTicked = () => others().length > 0 && others().every((l) => props.draft.moreLayers.includes(l.name));
  const tick = (name: string, on: boolean) =>
    props.onChange(
      'moreLayers',
      on ? [...props.draft.moreLayers.filter((l) => l !== name), name] : props.draft.moreLayers.filter((l) => l !== name),
    );
  const layerCount = () => jobLayers(props.draft, props.layers).length;
  return (
    <form
      class="job-form"
      aria-label="Attribution settings"
      // Our own messages, next to each field, rather than the browser's tooltips.
      novalidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onStart();
      }}
    >
      <ClassAutocomplete
        id="class1"
        label="Class 1 (toward)"
        value={props.draft.class1}
        onChange={(v) => props.onChange('class1', v)}
        classes={props.classes}
        suggested={props.suggested}
        error={props.errors.class1}
        placeholder="e.g. Labrador retriever"
      />
      <ClassAutocomplete
        id="class2"
        label="Class 2 (away from)"
        value={props.draft.class2}
        onChange={(v) => props.onChange('class2', v)}
        classes={props.classes}
        suggested={props.suggested}
        error={props.errors.class2}
        placeholder="e.g. tiger cat, or empty for 0"
      />
      <fieldset class="field methods" aria-describedby={props.errors.method ? 'error-method' : undefined}>
        <legend>Method</legend>
        <For each={METHODS}>
          {(m) => (
            <label class="radio" title={m.hint}>
              <input
                type="radio"
                name="method"
                value={m.value}
                checked={props.draft.method === m.value}
                onChange={() => props.onChange('method', m.value)}
              />
              {m.label}
            </label>
          )}
        </For>
        <FieldError id="error-method" message={props.errors.method} />
      </fieldset>
      <div class="field-row three">
        <div class="field">
          <label for="layer">Layer</label>
          {/* `selected` per option: a <select value> set before its options exist is lost. */}
          <select
            id="layer"
            onChange={(e) => props.onChange('layer', e.currentTarget.value)}
            aria-describedby={props.errors.layer ? 'error-layer' : undefined}
          >
            <Show when={!props.layers.some((l) => l.name === props.draft.layer)}>
              <option value={props.draft.layer} selected>
                {props.draft.layer}
              </option>
            </Show>
            <For each={props.layers}>
              {(l) => (
                <option value={l.name} selected={l.name === props.draft.layer}>
                  {`${l.name} (${l.channels})`}
                </option>
              )}
            </For>
          </select>
        </div>
        <div class="field">
          <label for="steps">Steps</label>
          <input
            id="steps"
            type="number"
            min="1"
            max="2000"
            value={props.draft.method === 'SIMPLE' ? 1 : props.draft.steps}
            disabled={props.draft.method === 'SIMPLE'}
            aria-invalid={props.errors.steps ? true : undefined}
            aria-describedby={props.errors.steps ? 'error-steps' : note() ? 'steps-note' : undefined}
            onChange={(e) => props.onChange('steps', num(e.currentTarget.value))}
          />
        </div>
        <div class="field">
          <label for="topK">Show N</label>
          <input
            id="topK"
            type="number"
            min="1"
            max="50"
            value={props.draft.topK}
            onChange={(e) => props.onChange('topK', Math.max(1, Math.min(50, num(e.currentTarget.value) || 10)))}
          />
        </div>
        {/* Errors of a row span it: the fields are too narrow for a sentence. */}
        <FieldError id="error-layer" message={props.errors.layer} />
        <FieldError id="error-steps" message={props.errors.steps} />
        <Show when={note()}>
          <p class="field-note" id="steps-note" data-testid="steps-note">
            {note()}
          </p>
        </Show>
      </div>
      {/* Open at first where the draft has layers ticked (a reopened job); the user's own toggle after that. */}
      <details class="more-layers" open={untrack(() => props.draft.moreLayers.length > 0)}>
        <summary>
          Several layers <span class="note">({layerCount() > 1 ? `${layerCount()} in this job` : 'one job, one forward pass'})</span>
        </summary>
        <fieldset class="field layer-checks">
          <legend>Also attribute at</legend>
          <div class="field checkbox">
            <input
              id="allLayers"
              type="checkbox"
              checked={allTicked()}
              onChange={(e) => props.onChange('moreLayers', e.currentTarget.checked ? others().map((l) => l.name) : [])}
            />
            <label for="allLayers">Every layer</label>
          </div>
          <For each={others()}>
            {(l) => (
              <div class="field checkbox">
                <input
                  id={`layer-${l.name}`}
                  type="checkbox"
                  data-layer={l.name}
                  checked={props.draft.moreLayers.includes(l.name)}
                  onChange={(e) => tick(l.name, e.currentTarget.checked)}
                />
                <label for={`layer-${l.name}`}>{`${l.name} (${l.channels})`}</label>
              </div>
            )}
          </For>
        </fieldset>
      </details>
      <div class="field-row until-settled">
        <div class="field checkbox">
          <input
            id="untilSettled"
            type="checkbox"
            checked={props.draft.untilSettled}
            disabled={props.draft.method === 'SIMPLE'}
            onChange={(e) => props.onChange('untilSettled', e.currentTarget.checked)}
          />
          <label for="untilSettled">Until settled (steps = maximum)</label>
        </div>
        <div class="field">
          <label for="tolerance">Tolerance (%)</label>
          <input
            id="tolerance"
            type="number"
            min="0.1"
            max="50"
            step="0.1"
            value={+(props.draft.tolerance * 100).toFixed(2)}
            disabled={!props.draft.untilSettled || props.draft.method === 'SIMPLE'}
            title="Stop when the estimated relative error is at most this and the top/bottom lists have settled"
            aria-invalid={props.errors.tolerance ? true : undefined}
            aria-describedby={props.errors.tolerance ? 'error-tolerance' : undefined}
            onChange={(e) => props.onChange('tolerance', num(e.currentTarget.value) / 100)}
          />
        </div>
        <FieldError id="error-tolerance" message={props.errors.tolerance} />
      </div>
      <div class="field-row rule-seed">
        <div class="field">
          <label for="rule">Quadrature rule</label>
          <select
            id="rule"
            title="Gauss–Legendre at 32 steps is as accurate as the notebook's left Riemann sum at 100 (bench/quadrature.ts); left Riemann reproduces the notebook exactly"
            aria-describedby={props.errors.rule ? 'error-rule' : undefined}
            disabled={props.draft.method === 'SIMPLE'}
            onChange={(e) => props.onChange('rule', e.currentTarget.value as QuadratureRule)}
          >
            <For each={RULES}>
              {(r) => (
                <option value={r.value} selected={r.value === props.draft.rule}>
                  {r.label}
                </option>
              )}
            </For>
          </select>
        </div>
        <div class="field">
          <label for="seed">Seed</label>
          <input
            id="seed"
            type="number"
            step="1"
            value={props.draft.seed}
            disabled={props.draft.method !== 'STOCHASTIC_PATH'}
            title="Seeds the stochastic path; the other methods are deterministic"
            aria-describedby={props.errors.seed ? 'error-seed' : undefined}
            onChange={(e) => props.onChange('seed', num(e.currentTarget.value))}
          />
        </div>
        <FieldError id="error-rule" message={props.errors.rule} />
        <FieldError id="error-seed" message={props.errors.seed} />
      </div>
      <div class="field">
        <label for="groups">Neuron groups (0 for none)</label>
        <input
          id="groups"
          type="number"
          min="0"
          max="16"
          value={groupsApply(props.draft, props.images) ? props.draft.groups : 0}
          disabled={!groupsApply(props.draft, props.images)}
          title="Factor the layer's activations into this many groups (NMF, as the article's neuron groups) and attribute to each, live"
          aria-invalid={props.errors.groups ? true : undefined}
          aria-describedby={props.errors.groups ? 'error-groups' : undefined}
          onChange={(e) => props.onChange('groups', num(e.currentTarget.value))}
        />
        <FieldError id="error-groups" message={props.errors.groups} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy} data-testid="start">
          Start
        </button>
        <button
          type="button"
          disabled={props.busy}
          onClick={() => props.onCompare()}
          title="Linear, path and stochastic path on the same input, side by side"
          data-testid="compare"
        >
          Compare methods
        </button>
        <button type="button" class="danger" disabled={!props.cancellable} onClick={() => props.onCancel()} data-testid="cancel">
          Cancel
        </button>
      </div>
      <FieldError id="error-form" message={props.errors.form ?? props.actionError} />
    </form>
  );
}
