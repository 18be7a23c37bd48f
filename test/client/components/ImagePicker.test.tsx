import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ImagePicker } from '../../../client/src/components/ImagePicker';

const examples = [
  { id: 'e1', path: '/images/e1', name: 'dog_cat_composite.png' },
  { id: 'e2', path: '/images/e2', name: 'fruits.jpg' },
];

function setup(error?: string, several = false, pickedIds: string[] = []) {
  const selected: string[] = [];
  const uploaded: File[] = [];
  const batches: string[][] = [];
  const toggled: string[] = [];
  const modes: boolean[] = [];
  const r = render(() => (
    <ImagePicker
      examples={examples}
      uploads={[]}
      selectedId="e2"
      onSelect={(id) => selected.push(id)}
      onUpload={(f) => uploaded.push(f)}
      onUploadMany={(fs) => batches.push(fs.map((f) => f.name))}
      several={several}
      onSeveral={(on) => modes.push(on)}
      pickedIds={pickedIds}
      onToggle={(id) => toggled.push(id)}
      onClear={() => {}}
      error={error}
    />
  ));
  return { ...r, selected, uploaded, batches, toggled, modes };
}
const file = (name: string, type: string) => new File([new Uint8Array([1, 2, 3])], name, { type });

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

  it('sends several files, or one zip, as one batch upload', () => {
    const { getByTestId, uploaded, batches } = setup();
    const input = getByTestId('upload-input') as HTMLInputElement;
    expect(input.multiple).toBe(true);
    Object.defineProperty(input, 'files', { value: [file('a.png', 'image/png'), file('b.jpg', 'image/jpeg')], configurable: true });
    fireEvent.change(input);
    Object.defineProperty(input, 'files', { value: [file('photos.zip', 'application/zip')], configurable: true });
    fireEvent.change(input);
    expect(batches).toEqual([['a.png', 'b.jpg'], ['photos.zip']]);
    expect(uploaded).toEqual([]);
  });

  it('in the several-images mode, each thumbnail toggles its image in the set, which it marks and counts', () => {
    const off = setup();
    off.getByLabelText('Several images (one job, the mean over them)').click();
    expect(off.modes).toEqual([true]);
    off.unmount();
    const { getByTitle, getByTestId, toggled, selected } = setup(undefined, true, ['e1', 'e2']);
    expect(getByTitle('fruits').getAttribute('aria-pressed')).toBe('true');
    expect(getByTitle('dog_cat_composite').getAttribute('aria-pressed')).toBe('true');
    expect(getByTestId('picked-count').textContent).toContain('2 images picked');
    getByTitle('fruits').click();
    expect(toggled).toEqual(['e2']);
    expect(selected).toEqual([]);
  });

  it('shows a BAD_IMAGE error inside the image fieldset', () => {
    const { getByTestId, container } = setup('The file is not a PNG or JPEG image.');
    expect(getByTestId('error-image').closest('fieldset')).toBe(container.querySelector('fieldset.image-picker'));
    expect(getByTestId('error-image').textContent).toBe('The file is not a PNG or JPEG image.');
  });
});
