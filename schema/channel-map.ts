import type { ChannelMap } from '../server/images/channel-maps.js';
import { builder } from './builder.js';

export interface ChannelMapsShape {
  height: number;
  width: number;
  maps: ChannelMap[];
}

export const ChannelMapRef = builder.objectRef<ChannelMap>('ChannelMap').implement({
  description: "One channel's spatial attribution map, compact: what a client needs to draw its heatmap.",
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer, 0-based.' }),
    max: t.exposeFloat('max', { description: "The largest |value| over the grid: a cell's value is `byte / 127 * max`." }),
    cells: t.exposeString('cells', {
      description:
        'height x width signed bytes (-127..127), row-major, base64. Blue for positive, red for negative, opacity |byte| / 127, as `heatmap` draws them.',
    }),
  }),
});

export const ChannelMapsRef = builder.objectRef<ChannelMapsShape>('ChannelMaps').implement({
  description: "Compact spatial maps of some channels of one estimate, on the layer's grid.",
  fields: (t) => ({
    height: t.exposeInt('height', { description: 'Grid rows (14 at mixed4d).' }),
    width: t.exposeInt('width', { description: 'Grid columns.' }),
    maps: t.field({
      type: [ChannelMapRef],
      description: 'One per channel asked for, in the order asked (top, bottom, then `channels`), without repeats.',
      resolve: (m) => m.maps,
    }),
  }),
});
