import { fireEvent, render } from '@solidjs/testing-library';
import { describe, expect, it, vi } from 'vitest';
import { coveringCell, LayerToLayerDetail } from '../../../client/src/components/LayerToLayerDetail';

const view = {
  from: 'mixed4d',
  to: 'mixed5a',
  fromWidth: 14,
  fromHeight: 14,
  toWidth: 7,
  toHeight: 7,
  heatmaps: Array.from({ length: 49 }, (_, i) => `data:image/png;base64,map${i}`),
};

describe('LayerToLayerDetail', () => {
  it('maps a cell of the earlier grid to the later cell that covers it', () => {
    const grid = { width: 14, height: 14 },
      later = { width: 7, height: 7 };
    expect(coveringCell({ x: 0, y: 0 }, grid, later)).toEqual({ x: 0, y: 0 });
    expect(coveringCell({ x: 5, y: 7 }, grid, later)).toEqual({ x: 2, y: 3 });
    expect(coveringCell({ x: 13, y: 12 }, grid, later)).toEqual({ x: 6, y: 6 });
    // Same-size grids map one to one.
    expect(coveringCell({ x: 9, y: 4 }, grid, grid)).toEqual({ x: 9, y: 4 });
  });

  it('asks only when the button is pressed, for the layer picked', () => {
    const onRequest = vi.fn();
    const { getByRole, getByLabelText } = render(() => (
      <LayerToLayerDetail
        from="mixed4d"
        to="mixed5a"
        layers={['mixed4e', 'mixed5a', 'mixed5b']}
        grid={{ width: 14, height: 14 }}
        requested={false}
        onRequest={onRequest}
      />
    ));
    expect(onRequest).not.toHaveBeenCalled();
    expect((getByLabelText(/Later layer/) as HTMLSelectElement).value).toBe('mixed5a');
    fireEvent.change(getByLabelText(/Later layer/), { target: { value: 'mixed4e' } });
    fireEvent.click(getByRole('button', { name: /Show which mixed4d positions feed/ }));
    expect(onRequest).toHaveBeenCalledWith('mixed4e');
  });

  it('shows the map of the later cell under the pointed position', () => {
    const { getByTestId, getByRole } = render(() => (
      <LayerToLayerDetail
        from="mixed4d"
        to="mixed5a"
        layers={['mixed5a']}
        grid={{ width: 14, height: 14 }}
        position={{ x: 5, y: 7 }}
        view={view}
        requested
        onRequest={() => {}}
      />
    ));
    expect(getByTestId('layer-to-layer-heading').textContent).toBe('mixed5a column 2, row 3 draws on these mixed4d positions');
    expect(getByRole('img', { name: /from mixed5a column 2, row 3 back to mixed4d/ }).getAttribute('src')).toBe(view.heatmaps[3 * 7 + 2]);
  });

  it('says so when the server refuses', () => {
    const { getByRole } = render(() => (
      <LayerToLayerDetail
        from="mixed5a"
        to="mixed5b"
        layers={['mixed5b']}
        grid={{ width: 7, height: 7 }}
        view={{ error: 'No.' }}
        requested
        onRequest={() => {}}
      />
    ));
    expect(getByRole('alert').textContent).toBe('No.');
  });
});
