import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { GroupList } from '../../../client/src/components/GroupList';
import { PositionDetail } from '../../../client/src/components/PositionDetail';

const group = {
  index: 0,
  colour: '#1f77b4',
  attribution: 1.5,
  heatmap: 'data:image/png;base64,',
  topChannels: [
    { channel: 524, weight: 0.9 },
    { channel: 7, weight: 0.5 },
  ],
};
// Channel 524 has its own sprite (the lists asked for it); channel 7 has none yet.
const pictures = {
  pictureOf: (channel: number) => (channel === 524 ? { sprite: { path: '/sprites/mixed4d/thumbnail/524.png', profile: 'THUMBNAIL' } } : {}),
};

describe('neuron groups and the position list show the pictures the page has', () => {
  it("a group's channels: the channel's own sprite where there is one, its number otherwise", () => {
    const { container } = render(() => <GroupList groups={[group]} pictures={pictures} stepsDone={4} />);
    const [withPicture, without] = [...container.querySelectorAll('.group-channel')];
    expect(withPicture.querySelector('img.sprite')!.getAttribute('src')).toBe('/sprites/mixed4d/thumbnail/524.png');
    expect(withPicture.querySelector('.channel-chip')).toBeNull();
    expect(without.querySelector('img')).toBeNull();
    expect(without.querySelector('.channel-chip')!.textContent).toBe('7');
  });

  it("a position's dictionary: the same", () => {
    const { container } = render(() => (
      <PositionDetail
        position={{ x: 1, y: 2 }}
        info={{
          channels: [
            { channel: 524, activation: 276.7 },
            { channel: 7, activation: 12 },
          ],
          attribution: null,
        }}
        pictures={pictures}
      />
    ));
    const rows = [...container.querySelectorAll('[data-testid=dictionary] li')];
    expect(rows[0].querySelector('img.sprite')!.getAttribute('alt')).toBe('Feature visualization of channel 524');
    expect(rows[0].querySelector('.channel-chip')).toBeNull();
    expect(rows[1].querySelector('.channel-chip')!.textContent).toBe('7');
  });
});
