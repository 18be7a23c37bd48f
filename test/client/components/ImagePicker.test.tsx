import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ImagePicker } from '../../../client/src/components/ImagePicker';

const examples = [
  { id: 'e1', path: '/images/e1', name: 'dog_cat_composite.png' },
  { id: 'e2', path: '/images/e2', name: 'fruits.jpg' },
];

function setup(error?: string) {
  const selected: string[] = [];
  const uploaded: File[] = [];
  const r = render(() => (
    <ImagePicker
      examples={examples}
      uploads={[]}
      selectedId="e2"
      onSelect={(id) => selected.push(id)}
      onUpload={(f) => uploaded.push(f)}
      error={error}
    />
  ));
  return { ...r, selected, uploaded };
}

describe('ImagePicker', () => {
  it('lists the examples by name, marks the chosen one, and picks on click', () => {
    const { getByTitle, selected } = setup();
    expect(getByTitle('fruits').getAttribute('aria-pressed')).toBe('true');
    expect(getByTitle('dog_cat_composite').getAttribute('aria-pressed')).toBe('false');
    getByTitle('dog_cat_composite').click();
    expect(selected).toEqual(['e1']);
  });

  it('uploads a file dropped on it or chosen with the file picker', () => {
    const { getByTestId, uploaded, container } = setup();
    const png = new File([new Uint8Array([137, 80, 78, 71])], 'mine.png', { type: 'image/png' });
    fireEvent.drop(container.querySelector('.dropzone')!, { dataTransfer: { files: [png] } });
    const input = getByTestId('upload-input') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [png], configurable: true });
    fireEvent.change(input);
    expect(uploaded.map((f) => f.name)).toEqual(['mine.png', 'mine.png']);
  });

  it('shows a BAD_IMAGE error inside the image fieldset', () => {
    const { getByTestId, container } = setup('The file is not a PNG or JPEG image.');
    expect(getByTestId('error-image').closest('fieldset')).toBe(container.querySelector('fieldset.image-picker'));
    expect(getByTestId('error-image').textContent).toBe('The file is not a PNG or JPEG image.');
  });
});
