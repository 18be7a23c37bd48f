import { EngineError } from '../errors/engine-error.js';
import type { SpatialMap } from '../engine/attribution/types.js';

/** Cells are signed bytes: -127..127 of the channel's largest magnitude. */
export const CELL_LEVELS = 127;

export interface ChannelMap {
  channel: number;
  /** The channel's largest |value| over the grid; a cell is `byte / 127 * max`. */
  max: number;
  /** height x width signed bytes, row-major, base64. */
  cells: string;
}

/**
 * Channels' spatial maps in the few hundred bytes a dashboard needs to draw them (196 bytes a
 * channel at mixed4d): slicing and scaling the map, no image encoding, so it is cheap enough
 * to send with every snapshot of a running job. The client colours them as heatmapPng does.
 */
export function channelMaps(map: SpatialMap, channels: Iterable<number>): ChannelMap[] {
  const { height, width, channels: depth, data } = map;
  const cells = height * width;
  const out: ChannelMap[] = [];
  const seen = new Set<number>();
  for (const channel of channels) {
    if (seen.has(channel)) continue;
    seen.add(channel);
    if (!Number.isInteger(channel) || channel < 0 || channel >= depth) {
      throw new EngineError('BAD_ARGUMENT', `Channel ${channel} is out of range: the layer has channels 0..${depth - 1}.`);
    }
    let max = 0;
    for (let p = 0; p < cells; p++) max = Math.max(max, Math.abs(data[p * depth + channel]));
    const bytes = new Int8Array(cells);
    if (max > 0) for (let p = 0; p < cells; p++) bytes[p] = Math.round((CELL_LEVELS * data[p * depth + channel]) / max);
    out.push({ channel, max, cells: Buffer.from(bytes.buffer).toString('base64') });
  }
  return out;
}
