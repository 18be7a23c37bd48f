import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { channelMapDataUrl } from '../../../client/src/lib/channel-map-png';
import { channelMaps } from '../../../server/images/channel-maps';
import { heatmapPng } from '../../../server/images/heatmap-png';

/** A 28x28 map (mixed3a's grid) of 3 channels with both signs. */
function sampleMap() {
  const height = 28,
    width = 28,
    channels = 3;
  const data = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++)
    for (let c = 0; c < channels; c++) data[p * channels + c] = Math.cos(p * 0.11 + c * 2) * (c + 0.5);
  return { height, width, channels, data };
}

describe('channelMapDataUrl: the browser draws what the server would', () => {
  it("decodes (pngjs, zlib) to heatmapPng's pixels within one opacity level of 127", () => {
    const map = sampleMap();
    for (const m of channelMaps(map, [0, 1, 2])) {
      const url = channelMapDataUrl({ height: map.height, width: map.width, cells: m.cells });
      expect(url).toMatch(/^data:image\/png;base64,/);
      const ours = PNG.sync.read(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
      const server = PNG.sync.read(heatmapPng(map, m.channel, 'CHANNEL'));
      expect([ours.width, ours.height]).toEqual([28, 28]);
      for (let p = 0; p < 28 * 28; p++) {
        expect(Math.abs(ours.data[p * 4 + 3] - server.data[p * 4 + 3])).toBeLessThanOrEqual(3);
        // Colour only matters where the cell shows.
        if (ours.data[p * 4 + 3] > 3)
          expect(Array.from(ours.data.subarray(p * 4, p * 4 + 3))).toEqual(Array.from(server.data.subarray(p * 4, p * 4 + 3)));
      }
    }
  });

  it('rejects cells that do not fill the grid', () => {
    expect(() => channelMapDataUrl({ height: 14, width: 14, cells: btoa('abc') })).toThrow(/needs 196 cells, got 3/);
  });
});
