import type { ChannelActivation } from '../server/engine/building-blocks/semantic-dictionary.js';
import { AttributionJobRef } from './attribution-job.js';
import { builder } from './builder.js';
import { requireImage } from './image.js';
import { spriteCell } from './neuron-groups.js';
import { SpriteCellRef } from './spritemap.js';

export interface DictionaryShape {
  model: string;
  layer: string;
  x: number;
  y: number;
  entries: ChannelActivation[];
}

export const DictionaryEntryRef = builder.objectRef<ChannelActivation & { model: string; layer: string }>('DictionaryEntry').implement({
  description: 'One channel of a semantic dictionary: how strongly it fires at the position.',
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer, 0-based.' }),
    activation: t.exposeFloat('activation', { description: "The channel's activation there (after the ReLU, > 0)." }),
    sprite: t.field({
      type: SpriteCellRef,
      nullable: true,
      description: "Where the channel's visualization sits in `Layer.spritemap`; null until it is rendered.",
      resolve: async (e, _args, ctx) => spriteCell((await ctx.forModel(e.model)).spritemaps.spritemap(e.layer), e.channel),
    }),
  }),
});

export const SemanticDictionaryRef = builder.objectRef<DictionaryShape>('SemanticDictionary').implement({
  description:
    'The semantic dictionary at one position of a layer (Building Blocks of Interpretability, "Semantic Dictionaries"; ' +
    "Lucid's SemanticDictionary.ipynb): its most active channels, each with its activation and sprite. A forward pass only.",
  fields: (t) => ({
    layer: t.exposeString('layer', { description: 'The layer.' }),
    x: t.exposeInt('x', { description: "Column in the layer's grid, 0-based." }),
    y: t.exposeInt('y', { description: "Row in the layer's grid, 0-based." }),
    channels: t.field({
      type: [DictionaryEntryRef],
      description: 'The most active channels, most active first (channels at 0 left out).',
      resolve: (d) => d.entries.map((e) => ({ ...e, model: d.model, layer: d.layer })),
    }),
  }),
});

builder.queryField('semanticDictionary', (t) =>
  t.field({
    type: SemanticDictionaryRef,
    description:
      'The semantic dictionary of an image at one position of a layer. NOT_FOUND, UNKNOWN_LAYER, or BAD_ARGUMENT for a position off the grid.',
    args: {
      imageId: t.arg.id({ required: true, description: 'An image from `examples` or `uploadImage`.' }),
      layer: t.arg.string({ required: true, defaultValue: 'mixed4d', description: "Layer name from the model's `layers`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      x: t.arg.int({ required: true, description: "Column in the layer's grid, 0..width-1." }),
      y: t.arg.int({ required: true, description: "Row in the layer's grid, 0..height-1." }),
      first: t.arg.int({ defaultValue: 8, description: 'How many channels, 1..16.' }),
    },
    complexity: 5,
    resolve: async (_root, { imageId, layer, model, x, y, first }, ctx) => {
      requireImage(ctx.images, String(imageId));
      const { engine, buildingBlocks } = await ctx.forModel(model == null ? null : String(model));
      return { model: engine.info.id, layer, x, y, entries: await buildingBlocks.dictionary(String(imageId), layer, x, y, first ?? 8) };
    },
  }),
);

builder.objectField(AttributionJobRef, 'semanticDictionary', (t) =>
  t.field({
    type: SemanticDictionaryRef,
    description: "The semantic dictionary of the job's image at one position of its layer. BAD_ARGUMENT for a position off the grid.",
    args: {
      x: t.arg.int({ required: true, description: "Column in the layer's grid, 0..width-1." }),
      y: t.arg.int({ required: true, description: "Row in the layer's grid, 0..height-1." }),
      first: t.arg.int({ defaultValue: 8, description: 'How many channels, 1..16.' }),
    },
    complexity: 5,
    resolve: async (job, { x, y, first }, ctx) => ({
      model: job.model,
      layer: job.request.layer,
      x,
      y,
      entries: await (await ctx.forModel(job.model)).buildingBlocks.dictionary(job.input.imageId, job.request.layer, x, y, first ?? 8),
    }),
  }),
);
