import { fireEvent, render } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { ClassAutocomplete } from '../../../client/src/components/ClassAutocomplete';

const classes = [
  { index: 154, name: 'Pekinese', wnid: 'n02086079' },
  { index: 208, name: 'Labrador retriever', wnid: 'n02099712' },
  { index: 281, name: 'tabby' },
  { index: 282, name: 'tiger cat' },
  { index: 285, name: 'Egyptian cat' },
  { index: 292, name: 'tiger' },
];
const suggested = [classes[0], classes[4], classes[2]];

function setup() {
  const [value, setValue] = createSignal('');
  const r = render(() => (
    <ClassAutocomplete id="class1" label="Class 1" value={value()} onChange={setValue} classes={classes} suggested={suggested} />
  ));
  return { ...r, value, input: r.getByRole('combobox') as HTMLInputElement };
}

describe('ClassAutocomplete', () => {
  it('offers the top predictions first, before other matching labels', () => {
    const { input, getAllByRole } = setup();
    fireEvent.focus(input);
    expect(getAllByRole('option').map((o) => o.firstChild!.textContent)).toEqual(['Pekinese', 'Egyptian cat', 'tabby']);
    fireEvent.input(input, { target: { value: 'cat' } });
    // "Egyptian cat" is a top prediction; "tiger cat" only matches the text.
    expect(getAllByRole('option').map((o) => o.firstChild!.textContent)).toEqual(['Egyptian cat', 'tiger cat']);
  });

  it('finds a class by its WordNet id, as the API accepts it', () => {
    const { input, value, getAllByRole } = setup();
    fireEvent.input(input, { target: { value: 'n02099712' } });
    expect(getAllByRole('option').map((o) => o.firstChild!.textContent)).toEqual(['Labrador retriever']);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(value()).toBe('Labrador retriever');
  });

  it('is driven by the keyboard: arrows move, Enter picks, Escape closes', () => {
    const { input, value, getAllByRole, queryByRole } = setup();
    fireEvent.input(input, { target: { value: 'tig' } });
    expect(getAllByRole('option').map((o) => o.firstChild!.textContent)).toEqual(['tiger cat', 'tiger']);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input.getAttribute('aria-activedescendant')).toBe('class1-option-1');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(value()).toBe('tiger');
    expect(queryByRole('listbox')).toBeNull();
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(queryByRole('listbox')).not.toBeNull();
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(queryByRole('listbox')).toBeNull();
  });

  it('matches a class index', () => {
    const { input, getAllByRole } = setup();
    fireEvent.input(input, { target: { value: '208' } });
    expect(getAllByRole('option')[0].firstChild!.textContent).toBe('Labrador retriever');
  });
});
