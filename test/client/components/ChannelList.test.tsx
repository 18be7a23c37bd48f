import { render } from '@solidjs/testing-library';
import { createSignal } from 'solid-js';
import { describe, expect, it } from 'vitest';
import { type ChannelScore, ChannelList } from '../../../client/src/components/ChannelList';

const scores = (pairs: [number, number][]): ChannelScore[] => pairs.map(([channel, value], i) => ({ channel, value, rank: i + 1 }));
const rowChannels = (container: HTMLElement) =>
  [...container.querySelectorAll('li[data-channel]')].map((li) => Number(li.getAttribute('data-channel')));

describe('ChannelList (the notebook ChannelAttrWidget, live)', () => {
  it('shows rank, channel index and value for each channel, in the order given', () => {
    const { container, getAllByRole } = render(() => (
      <ChannelList
        title="Top 3"
        direction="top"
        scores={scores([
          [77, 2.5],
          [12, 1.25],
          [300, 0.5],
        ])}
        scale={2.5}
        stepsDone={10}
      />
    ));
    expect(rowChannels(container)).toEqual([77, 12, 300]);
    const buttons = getAllByRole('button');
    expect(buttons[0].textContent).toContain('77');
    expect(buttons[0].querySelector('.rank')!.textContent).toBe('1');
    expect(buttons[0].querySelector('.value')!.textContent).toBe('2.50');
    expect(buttons[2].querySelector('.value')!.textContent).toBe('0.500');
    expect(container.querySelector('ol')!.getAttribute('data-steps-done')).toBe('10');
  });

  it('over several images, says on each row in how many images the channel is in this list, in words too', () => {
    const counts = new Array(301).fill(0);
    counts[77] = 3;
    counts[12] = 1;
    const { getAllByRole, getAllByTestId } = render(() => (
      <ChannelList
        title="Top 2"
        direction="top"
        scores={scores([
          [77, 2.5],
          [12, 1.25],
        ])}
        scale={2.5}
        stepsDone={10}
        consistency={{ counts, images: 4 }}
      />
    ));
    expect(getAllByTestId('consistency-count').map((e) => e.textContent)).toEqual(['3/4', '1/4']);
    expect(getAllByRole('button')[0].getAttribute('aria-label')).toContain('in the top of 3 of 4 images');
  });

  it('reorders rows on new props by moving the same elements, and drops channels that left', () => {
    const [s, setS] = createSignal(
      scores([
        [77, 2.5],
        [12, 1.25],
        [300, 0.5],
      ]),
    );
    const [steps, setSteps] = createSignal(10);
    const { container } = render(() => <ChannelList title="Top 3" direction="top" scores={s()} scale={2.5} stepsDone={steps()} />);
    const before = new Map([...container.querySelectorAll('li[data-channel]')].map((li) => [li.getAttribute('data-channel'), li]));

    setS(
      scores([
        [12, 3.0],
        [77, 2.0],
        [5, 0.75],
      ]),
    );
    setSteps(20);

    expect(rowChannels(container)).toEqual([12, 77, 5]);
    const after = [...container.querySelectorAll('li[data-channel]')];
    // Channel 12 moved up: its row is the same DOM node (what lets FLIP slide it), with its new rank and value.
    expect(after[0]).toBe(before.get('12'));
    expect(after[1]).toBe(before.get('77'));
    expect(after[0].querySelector('.rank')!.textContent).toBe('1');
    expect(after[0].querySelector('.value')!.textContent).toBe('3.00');
    expect(container.querySelector('li[data-channel="300"]')).toBeNull();
    expect(container.querySelector('ol')!.getAttribute('data-steps-done')).toBe('20');
  });

  it('colours values blue when positive and red when negative', () => {
    const { container } = render(() => (
      <ChannelList
        title="Bottom 2"
        direction="bottom"
        scores={scores([
          [9, -2],
          [4, 1],
        ])}
        scale={2}
        stepsDone={1}
      />
    ));
    const bg = (ch: number) => (container.querySelector(`li[data-channel="${ch}"] .value`) as HTMLElement).style.backgroundColor;
    // jsdom normalises hsl() to rgb(): red dominates a negative value, blue a positive one.
    const rgb = (s: string) => s.match(/\d+/g)!.map(Number);
    const [r9, , b9] = rgb(bg(9));
    const [r4, , b4] = rgb(bg(4));
    expect(r9).toBeGreaterThan(b9);
    expect(b4).toBeGreaterThan(r4);
  });

  it('reports a click on a row with its channel, and marks agreed channels', () => {
    const picked: number[] = [];
    const { getAllByRole, container } = render(() => (
      <ChannelList
        title="Top"
        direction="top"
        scores={scores([
          [1, 1],
          [2, 0.5],
        ])}
        scale={1}
        stepsDone={1}
        agreed={new Set([2])}
        onSelect={(c) => picked.push(c)}
      />
    ));
    getAllByRole('button')[1].click();
    expect(picked).toEqual([2]);
    expect(container.querySelector('li[data-channel="2"]')!.classList.contains('agreed')).toBe(true);
    expect(container.querySelector('li[data-channel="1"]')!.classList.contains('agreed')).toBe(false);
  });

  it('shows the sprite beside the heatmap where the layer has one, and none for channels still blank', () => {
    const spritemap = { url: '/spritemaps/mixed4d.png', spriteSize: 64, columns: 22, missing: [300] };
    const { container } = render(() => (
      <ChannelList
        title="Top"
        direction="top"
        scores={scores([
          [77, 2],
          [300, 1],
        ])}
        scale={2}
        stepsDone={1}
        pictures={{ spritemap }}
      />
    ));
    const row = (ch: number) => container.querySelector(`li[data-channel="${ch}"]`)!;
    expect(row(77).querySelector('.heatmap')).not.toBeNull();
    expect(row(77).querySelector('.sprite')).not.toBeNull();
    expect(row(300).querySelector('.sprite')).toBeNull();
  });
});

describe('ChannelList error bars, exact values and the detail panel', () => {
  const withErrors = (pairs: [number, number, number][]): ChannelScore[] =>
    pairs.map(([channel, value, error], i) => ({ channel, value, rank: i + 1, error }));

  it('prints the error bars of a column in one format (fixed decimals, never an exponent beside a decimal)', () => {
    const { container } = render(() => (
      <ChannelList
        title="Top 2"
        direction="top"
        scores={withErrors([
          [1, 2, 0.00362],
          [2, 1, 0.000385],
        ])}
        scale={2}
        stepsDone={8}
      />
    ));
    const bars = [...container.querySelectorAll('[data-testid=error-bar]')].map((b) => b.textContent!.trim());
    // 2 errors each: 0.00724 and 0.00077 at the largest's two significant digits.
    expect(bars).toEqual(['± 0.0072', '± 0.0008']);
    expect(container.querySelector('button')!.getAttribute('aria-label')).toBe('Rank 1, ch 1: 2.00 ± 0.0072');
  });

  it('says "exact" once for an exact method instead of "± 0" on every row', () => {
    const { container } = render(() => (
      <ChannelList
        title="Top 2"
        direction="top"
        exact
        sayExact
        scores={withErrors([
          [1, 2, 0],
          [2, 1, 0],
        ])}
        scale={2}
        stepsDone={1}
      />
    ));
    expect(container.querySelectorAll('[data-testid=exact-note]')).toHaveLength(1);
    expect(container.querySelectorAll('[data-testid=error-bar]')).toHaveLength(0);
    expect(container.textContent).not.toContain('±');
  });

  it("draws the detail under the selected row, and at the list's end once the channel has left the list", () => {
    const [s, setS] = createSignal(
      scores([
        [77, 2],
        [12, 1],
        [300, 0.5],
      ]),
    );
    const { container } = render(() => (
      <ChannelList
        title="Top"
        direction="top"
        scores={s()}
        scale={2}
        stepsDone={1}
        selected={12}
        detail={() => <aside data-testid="detail" />}
      />
    ));
    const detail = () => container.querySelectorAll('[data-testid=detail]');
    expect(detail()).toHaveLength(1);
    expect(detail()[0].closest('li')!.getAttribute('data-channel')).toBe('12');
    setS(
      scores([
        [77, 2],
        [300, 1],
      ]),
    );
    expect(detail()).toHaveLength(1);
    expect(detail()[0].closest('li')).toBeNull();
    expect(detail()[0].parentElement!.classList.contains('channel-list')).toBe(true);
  });
});
