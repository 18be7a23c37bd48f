import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { JobForm, jobLayers } from '../../../client/src/components/JobForm';
import { DEFAULT_DRAFT, type Draft } from '../../../client/src/store/create-draft-store';
import type { FieldErrors } from '../../../client/src/store/field-errors';

const layers = [
  { name: 'mixed4c', channels: 512 },
  { name: 'mixed4d', channels: 528 },
];

function renderForm(errors: FieldErrors, over: Partial<Draft> = {}) {
  return render(() => (
    <JobForm
      draft={{ ...DEFAULT_DRAFT, class1: 'Labrador retriever', class2: 'tigr cat', ...over }}
      onChange={() => {}}
      layers={layers}
      classes={[]}
      suggested={[]}
      errors={errors}
      images={1}
      cancellable={false}
      onStart={() => {}}
      onCompare={() => {}}
      onCancel={() => {}}
    />
  ));
}

describe('JobForm error placement', () => {
  it('shows each error next to the field that caused it, linked for screen readers', () => {
    const { getByLabelText, getByTestId } = renderForm({
      class2: 'Unknown class "tigr cat". Closest: "tiger cat".',
      steps: 'steps must be 1..2000',
      form: 'The queue is full.',
    });
    const class2 = getByLabelText('Class 2 (away from)');
    const error = getByTestId('error-class2');
    // Same field container as the input, announced, and referenced by aria-describedby.
    expect(class2.closest('.field')).toBe(error.closest('.field'));
    expect(error.getAttribute('role')).toBe('alert');
    expect(class2.getAttribute('aria-describedby')).toBe('error-class2');
    expect(class2.getAttribute('aria-invalid')).toBe('true');

    // Narrow fields share a row: their errors span the row, right under it.
    const steps = getByLabelText('Steps');
    expect(steps.getAttribute('aria-describedby')).toBe('error-steps');
    expect(getByTestId('error-steps').parentElement).toBe(steps.closest('.field-row'));
    expect(getByTestId('error-steps').textContent).toBe('steps must be 1..2000');
    // Queue errors belong to the start button, not to any one field.
    expect(getByTestId('error-form').textContent).toBe('The queue is full.');
    expect(getByLabelText('Class 1 (toward)').getAttribute('aria-invalid')).toBeNull();
  });

  it('preselects the draft layer once the layer list has loaded', () => {
    const { getByLabelText } = renderForm({});
    expect((getByLabelText('Layer') as HTMLSelectElement).value).toBe('mixed4d');
  });

  it('submits on Enter from any field', () => {
    let started = 0;
    const { getByLabelText } = render(() => (
      <JobForm
        draft={DEFAULT_DRAFT}
        onChange={() => {}}
        layers={layers}
        classes={[]}
        suggested={[]}
        errors={{}}
        images={1}
        cancellable={false}
        onStart={() => started++}
        onCompare={() => {}}
        onCancel={() => {}}
      />
    ));
    fireEvent.submit(getByLabelText('Steps').closest('form')!);
    expect(started).toBe(1);
  });
});

describe('JobForm steps note', () => {
  const form = (over: Partial<Draft>) => renderForm({}, over);

  it('says why 256 steps until settled with Sidi run as 255, linked to the field; nothing where the steps run as asked', () => {
    const { getByTestId, getByLabelText, unmount } = form({ steps: 256, rule: 'SIDI', untilSettled: true });
    expect(getByTestId('steps-note').textContent).toMatch(/at most 255 steps: Sidi's nested levels are 2\^k − 1 steps \(…, 63, 127, 255\)/);
    expect(getByLabelText('Steps').getAttribute('aria-describedby')).toBe('steps-note');
    unmount();
    for (const over of [
      { steps: 255, rule: 'SIDI', untilSettled: true },
      { steps: 256, rule: 'SIDI', untilSettled: false },
      { steps: 256, rule: 'LEFT_RIEMANN', untilSettled: true },
      { steps: 192, rule: 'SQUARED', untilSettled: true },
    ] as const) {
      const r = form(over);
      expect(r.queryByTestId('steps-note'), JSON.stringify(over)).toBeNull();
      r.unmount();
    }
  });

  it('says when a rule that does not nest gives way, and to what', () => {
    const { getByTestId } = form({ steps: 100, rule: 'GAUSS_LEGENDRE', untilSettled: true, method: 'PATH' });
    expect(getByTestId('steps-note').textContent).toMatch(
      /the squared rule replaces Gauss–Legendre\. Runs at most 96 steps: the squared rule's nested levels are 3 × 2\^k steps \(…, 24, 48, 96\)/,
    );
  });
});

describe('JobForm layers', () => {
  const three = [
    { name: 'mixed3b', channels: 480 },
    { name: 'mixed4d', channels: 528 },
    { name: 'mixed5a', channels: 832 },
  ];
  function renderLayers(over: Partial<Draft>, images = 1) {
    const changes: [string, unknown][] = [];
    const r = render(() => (
      <JobForm
        draft={{ ...DEFAULT_DRAFT, ...over }}
        onChange={(k, v) => changes.push([k, v])}
        layers={three}
        classes={[]}
        suggested={[]}
        errors={{}}
        images={images}
        cancellable={false}
        onStart={() => {}}
        onCompare={() => {}}
        onCancel={() => {}}
      />
    ));
    return { ...r, changes };
  }

  it('ticks more layers one by one or all at once, besides the chosen one', () => {
    const { getByLabelText, changes, queryByLabelText } = renderLayers({});
    expect(queryByLabelText('mixed4d (528)')).toBeNull();
    getByLabelText('mixed5a (832)').click();
    getByLabelText('Every layer').click();
    expect(changes).toEqual([
      ['moreLayers', ['mixed5a']],
      ['moreLayers', ['mixed3b', 'mixed5a']],
    ]);
  });

  it('a job over several layers or images has no neuron groups: the field is off', () => {
    const groups = (over: Partial<Draft>, images: number) => {
      const r = renderLayers(over, images);
      const off = (r.getByLabelText('Neuron groups (0 for none)') as HTMLInputElement).disabled;
      r.unmount();
      return off;
    };
    expect(groups({}, 1)).toBe(false);
    expect(groups({ moreLayers: ['mixed3b'] }, 1)).toBe(true);
    expect(groups({}, 4)).toBe(true);
  });

  it("lists the job's layers from input to output, whatever order they were ticked in", () => {
    expect(jobLayers({ layer: 'mixed4d', moreLayers: ['mixed5a', 'mixed3b'] }, three)).toEqual(['mixed3b', 'mixed4d', 'mixed5a']);
    expect(jobLayers({ layer: 'mixed4d', moreLayers: [] }, three)).toEqual(['mixed4d']);
  });
});
