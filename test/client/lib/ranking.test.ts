import { describe, expect, it } from 'vitest';
import { agreedChannels, rankFromTop, sortDescending } from '../../../client/src/lib/ranking';

describe('ranking helpers', () => {
  const values = [0.5, -1, 2, 0.5, 0];
  it('ranks like a descending argsort, ties by channel index', () => {
    expect(sortDescending(values).map((r) => r.channel)).toEqual([2, 0, 3, 4, 1]);
    expect(values.map((_, c) => rankFromTop(values, c))).toEqual([2, 5, 1, 3, 4]);
  });
  it('finds the channels every method ranks high', () => {
    expect(
      [
        ...agreedChannels([
          [1, 2, 3],
          [3, 2, 9],
          [2, 3, 4],
        ]),
      ].sort(),
    ).toEqual([2, 3]);
    expect(agreedChannels([])).toEqual(new Set());
  });
});
