import type { DatasetExample } from '../server/engine/dataset-examples.js';
import { EngineError } from '../server/errors/engine-error.js';
import { builder } from './builder.js';
import { ImageRef } from './image.js';
import { LayerRef } from './model.js';

export const DatasetExampleRef = builder.objectRef<DatasetExample>('DatasetExample').implement({
  description:
    "A crop of an example image that activates a channel strongly: centred on the channel's spatial maximum in that " +
    "image, sized from the layer's receptive field. Coordinates are in the 224x224 network input (the image centre-cropped to a square).",
  fields: (t) => ({
    image: t.field({
      type: ImageRef,
      nullable: true,
      description: 'The example image (null if it has gone).',
      resolve: (e, _a, ctx) => ctx.images.get(e.image),
    }),
    activation: t.exposeFloat('activation', { description: "The channel's activation at the crop's centre." }),
    x: t.exposeInt('x', { description: 'Left edge of the crop in the 224 px input.' }),
    y: t.exposeInt('y', { description: 'Top edge of the crop in the 224 px input.' }),
    size: t.exposeInt('size', { description: 'Side of the square crop in the 224 px input.' }),
  }),
});

builder.objectField(LayerRef, 'datasetExamples', (t) =>
  t.field({
    type: [DatasetExampleRef],
    description:
      "The example images' crops that activate `channel` most, best first (one per image; forward passes only, computed once per layer).",
    args: {
      channel: t.arg.int({ required: true, description: 'Channel index in the layer.' }),
      first: t.arg.int({ defaultValue: 4, description: 'At most this many (1..6).' }),
    },
    complexity: { field: 20, multiplier: 1 },
    resolve: async (layer, { channel, first }, ctx) => {
      const n = first ?? 4;
      if (!Number.isInteger(n) || n < 1 || n > 6) throw new EngineError('BAD_ARGUMENT', `first must be 1..6, got ${n}.`);
      return (await (await ctx.forModel(layer.model)).datasetExamples.forChannel(layer.name, channel)).slice(0, n);
    },
  }),
);
