import { render } from '@solidjs/testing-library';
import { describe, expect, it } from 'vitest';
import { ChannelSprite } from '../../../client/src/components/ChannelSprite';

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
