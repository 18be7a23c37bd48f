import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { heatmapPng, pngDataUrl } from '../../../server/images/heatmap-png.js';

// 2x3 grid, 2 channels: channel 0 mixes signs, channel 1 is small and positive.
const map = {
  height: 2,
  width: 3,
  channels: 2,
  data: Float32Array.from([4, 0.1, -2, 0.2, 1, 0, 0, 0.1, -4, 0.05, 2, 0.1]),
};
const read = (png: Buffer) => PNG.sync.read(png);

describe('heatmapPng', () => {
  it('draws one pixel per grid position: blue for positive, red for negative, opacity by magnitude', () => {
    const png = read(heatmapPng(map, 0, 'CHANNEL'));
    expect([png.width, png.height]).toEqual([3, 2]);
    const px = (i: number) => Array.from(png.data.subarray(i * 4, i * 4 + 4));
    expect(px(0)).toEqual([33, 102, 172, 255]); // 4: the largest
    expect(px(1)).toEqual([178, 24, 43, 128]); // -2: half
    expect(px(2)).toEqual([33, 102, 172, 64]); // 1: a quarter
    expect(px(3)[3]).toBe(0); // 0: transparent
    expect(px(4)).toEqual([178, 24, 43, 255]); // -4
  });

  it('scales by the channel, or by the whole layer so channels compare', () => {
    expect(read(heatmapPng(map, 1, 'CHANNEL')).data[3]).toBe(Math.round((255 * 0.1) / 0.2));
    expect(read(heatmapPng(map, 1, 'LAYER')).data[3]).toBe(Math.round((255 * 0.1) / 4));
  });

  it('rejects a channel outside the layer', () => {
    expect(() => heatmapPng(map, 2, 'CHANNEL')).toThrow(/out of range/);
    expect(() => heatmapPng(map, -1, 'CHANNEL')).toThrow(/out of range/);
  });

  it('is a data URL', () => {
    expect(pngDataUrl(heatmapPng(map, 0, 'CHANNEL'))).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  });
});
