import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { channelMaps } from '../../../server/images/channel-maps.js';
import { heatmapPng } from '../../../server/images/heatmap-png.js';
import type { SpatialMap } from '../../../server/engine/attribution/types.js';

/** A 14x14 map of 6 channels with both signs, a zero channel and an unrounded scale. */
function sampleMap(): SpatialMap {
  const height = 14,
    width = 14,
    channels = 6;
  const data = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = c === 4 ? 0 : Math.sin(p * 0.37 + c) * (c + 1) * 0.013;
  }
  return { height, width, channels, data };
}

describe('channelMaps', () => {
  it('holds what heatmapPng draws: the same sign and the same opacity within one level of 127', () => {
    const map = sampleMap();
    const maps = channelMaps(map, [0, 3, 4, 5]);
    expect(maps.map((m) => m.channel)).toEqual([0, 3, 4, 5]);
    for (const m of maps) {
      const bytes = Buffer.from(m.cells, 'base64');
      const cells = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      expect(cells).toHaveLength(196);
      const png = PNG.sync.read(heatmapPng(map, m.channel, 'CHANNEL'));
      for (let p = 0; p < 196; p++) {
        const alpha = png.data[p * 4 + 3];
        expect(Math.abs((Math.abs(cells[p]) / 127) * 255 - alpha)).toBeLessThanOrEqual(255 / 127);
        const v = map.data[p * 6 + m.channel];
        if (cells[p] !== 0) expect(Math.sign(cells[p])).toBe(Math.sign(v));
        // The cell times the scale gives the value back to within half a level.
        expect(Math.abs((cells[p] / 127) * m.max - v)).toBeLessThanOrEqual(m.max / 254 + 1e-9);
      }
    }
    expect(maps.find((m) => m.channel === 4)).toMatchObject({ max: 0, cells: Buffer.alloc(196).toString('base64') });
  });

  it('skips repeated channels and rejects one outside the layer in one sentence', () => {
    expect(channelMaps(sampleMap(), [2, 2, 1]).map((m) => m.channel)).toEqual([2, 1]);
    expect(() => channelMaps(sampleMap(), [6])).toThrow(/Channel 6 is out of range: the layer has channels 0..5/);
  });
});
