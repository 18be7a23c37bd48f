import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { DatasetExamples } from '../../../client/src/components/DatasetExamples';

describe('DatasetExamples', () => {
  it('cuts each crop out of the 224 px centre-cropped image with the SVG viewBox', () => {
    const { container } = render(() => (
      <DatasetExamples examples={[{ imagePath: '/images/a', x: 40, y: 96, size: 80, activation: 12.5 }]} size={72} />
    ));
    const svg = container.querySelector('svg')!;
    expect(svg.getAttribute('viewBox')).toBe('40 96 80 80');
    const image = svg.querySelector('image')!;
    expect([image.getAttribute('width'), image.getAttribute('height'), image.getAttribute('preserveAspectRatio')]).toEqual([
      '224',
      '224',
      'xMidYMid slice',
    ]);
    expect(container.textContent).toContain('12.5');
  });

  it('says when it is loading and when there is nothing to show', () => {
    expect(render(() => <DatasetExamples />).container.textContent).toContain('Finding example crops');
    expect(render(() => <DatasetExamples examples={[]} />).container.textContent).toContain('No example images');
  });
});
