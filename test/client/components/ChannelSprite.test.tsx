import { render } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { ChannelList } from '../../../client/src/components/ChannelList';
import { ChannelPicture, type ChannelPictureState, ChannelSprite } from '../../../client/src/components/ChannelSprite';

describe('ChannelSprite', () => {
  it("cuts channel n's tile from the spritemap like the notebook: column n % wrap, row floor(n / wrap)", () => {
    const spritemap = { url: '/sprites/mixed4d.jpg', spriteSize: 110, columns: 22 };
    const { getByRole } = render(() => <ChannelSprite spritemap={spritemap} channel={47} size={110} />);
    const style = (getByRole('img') as HTMLElement).style;
    // 47 = 2 * 22 + 3: fourth tile of the third row.
    expect(style.backgroundPosition).toBe('-330px -220px');
    expect(style.backgroundImage).toContain('/sprites/mixed4d.jpg');
  });

  it('scales the tile to the size asked for', () => {
    const spritemap = { url: 's.png', spriteSize: 110, columns: 22 };
    const { getByRole } = render(() => <ChannelSprite spritemap={spritemap} channel={23} size={55} />);
    const style = (getByRole('img') as HTMLElement).style;
    expect(style.backgroundSize).toBe('1210px auto');
    expect(style.backgroundPosition).toBe('-55px -55px');
  });
});

describe('ChannelPicture (a tile of a complete spritemap, else an on-demand sprite, else where its render is)', () => {
  it('says "rendering…" with the ETA, then shows the picture when it arrives, with no remount of the row', () => {
    const [picture, setPicture] = createSignal<ChannelPictureState>({ render: { status: 'RENDERING', etaSeconds: 41.2 } });
    const { container } = render(() => <ChannelPicture channel={524} size={48} picture={picture()} />);
    const pending = container.querySelector('[data-testid=sprite-pending]')!;
    expect(pending.getAttribute('data-status')).toBe('RENDERING');
    // A soft hyphen lets the word break inside a small tile.
    expect(pending.textContent).toBe('render\u00ading…~42 s');
    expect(container.querySelector('img')).toBeNull();

    setPicture({ sprite: { path: '/sprites/mixed4d/thumbnail/524.png', profile: 'THUMBNAIL' } });
    expect(container.querySelector('[data-testid=sprite-pending]')).toBeNull();
    const img = container.querySelector('img')!;
    expect(img.getAttribute('src')).toBe('/sprites/mixed4d/thumbnail/524.png');
    expect(img.getAttribute('alt')).toBe('Feature visualization of channel 524');
  });

  it('says "queued" (minutes once the wait is long) and nothing when no render was asked for', () => {
    const [picture, setPicture] = createSignal<ChannelPictureState | undefined>({ render: { status: 'QUEUED', etaSeconds: null } });
    const { container } = render(() => <ChannelPicture channel={3} size={48} picture={picture()} />);
    expect(container.textContent).toBe('queued');
    setPicture({ render: { status: 'QUEUED', etaSeconds: 150 } });
    expect(container.textContent).toBe('queued~3 min');
    setPicture(undefined);
    expect(container.innerHTML).toBe('');
  });

  it("prefers the complete spritemap's tile over the channel's own sprite", () => {
    const spritemap = { url: 'grid.png', spriteSize: 96, columns: 22 };
    const { container } = render(() => (
      <ChannelPicture
        channel={5}
        size={48}
        spritemap={spritemap}
        picture={{ sprite: { path: '/sprites/mixed4d/thumbnail/5.png', profile: 'THUMBNAIL' } }}
      />
    ));
    expect(container.querySelector('img')).toBeNull();
    expect((container.querySelector('[role=img]') as HTMLElement).style.backgroundImage).toContain('grid.png');
    // A channel still missing from the spritemap shows its own sprite.
    const { container: other } = render(() => (
      <ChannelPicture
        channel={5}
        size={48}
        spritemap={{ ...spritemap, missing: [5] }}
        picture={{ sprite: { path: '/sprites/mixed4d/full/5.png', profile: 'FULL' } }}
      />
    ));
    expect(other.querySelector('img')!.getAttribute('data-profile')).toBe('FULL');
  });

  it("names a picture on its way in the row's accessible label, and not once it is there", () => {
    const [picture, setPicture] = createSignal<ChannelPictureState>({ render: { status: 'QUEUED', etaSeconds: 20 } });
    const { getByRole } = render(() => (
      <ChannelList
        title="Top 1"
        direction="top"
        scores={[{ channel: 73, value: 1, rank: 1 }]}
        scale={1}
        stepsDone={1}
        pictures={{ pictureOf: () => picture() }}
      />
    ));
    expect(getByRole('button').getAttribute('aria-label')).toMatch(/, picture queued, about 20 s$/);
    setPicture({ sprite: { path: '/sprites/mixed4d/thumbnail/73.png', profile: 'THUMBNAIL' } });
    expect(getByRole('button').getAttribute('aria-label')).not.toMatch(/picture/);
  });
});
