import { channelMapDataUrl } from '../lib/channel-map-png';
import type { ShownSnapshot } from './create-job-tracker';

/**
 * Channel heatmaps, drawn in the browser from the compact maps each snapshot carries
 * (AttributionEstimate.channelMaps): a running job's heatmaps follow it with no request per
 * channel and no image encoding on the server. A map drawn once is reused while its cells stay
 * the same (channel-map-png.ts).
 */
export function createHeatmapStore() {
  return {
    /** The channel's heatmap as a PNG data URL, or undefined where the snapshot has no map for it. */
    heatmap(snapshot: ShownSnapshot | undefined, channel: number): string | undefined {
      const maps = snapshot?.channelMaps;
      const m = maps?.maps.find((x) => x.channel === channel);
      return maps && m ? channelMapDataUrl({ height: maps.height, width: maps.width, cells: m.cells }) : undefined;
    },
  };
}
export type HeatmapStore = ReturnType<typeof createHeatmapStore>;
