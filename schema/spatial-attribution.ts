import type { AttributionMethod } from '../server/engine/attribution/types.js';
import { checkPosition } from '../server/engine/building-blocks/semantic-dictionary.js';
import { classSpatialAttribution } from '../server/engine/building-blocks/spatial-attribution.js';
import { heatmapPng, pngDataUrl } from '../server/images/heatmap-png.js';
import { AttributionMethodRef } from './attribution-method.js';
import { AttributionResultRef } from './attribution-result.js';
import { builder } from './builder.js';
import { requireImage } from './image.js';

export interface SpatialShape {
  layer: string;
  height: number;
  width: number;
  values: number[];
  method: AttributionMethod;
}

export const SpatialAttributionRef = builder.objectRef<SpatialShape>('SpatialAttribution').implement({
  description:
    'Spatial attribution (Building Blocks of Interpretability, "Spatial Attribution"; Lucid\'s AttrSpatial.ipynb): how much ' +
    "each position of the layer's grid adds to score(class1) - score(class2), summed over its channels; in a LayerToLayerTarget, " +
    'how much it adds to the activation magnitude at one position of a later layer.',
  fields: (t) => ({
    layer: t.exposeString('layer', { description: 'The layer.' }),
    height: t.exposeInt('height', { description: 'Grid height.' }),
    width: t.exposeInt('width', { description: 'Grid width.' }),
    method: t.field({
      type: AttributionMethodRef,
      description:
        "SIMPLE: gradient x activation (Lucid's raw_class_spatial_attr); a path method: the job's integrated gradient x activation.",
      resolve: (s) => s.method,
    }),
    values: t.floatList({
      description: "One value per position, H*W in row-major order; for a class pair they add up to the channel attributions' total.",
      resolve: (s) => s.values,
    }),
    value: t.float({
      description: 'The value at one position.',
      args: {
        x: t.arg.int({ required: true, description: 'Column, 0-based.' }),
        y: t.arg.int({ required: true, description: 'Row, 0-based.' }),
      },
      resolve: (s, { x, y }) => {
        checkPosition(s, x, y);
        return s.values[y * s.width + x];
      },
    }),
    heatmap: t.string({
      description:
        "The map as a `data:image/png` URL at the layer's resolution: blue for positive, red for negative, opacity for magnitude.",
      resolve: (s) =>
        pngDataUrl(heatmapPng({ height: s.height, width: s.width, channels: 1, data: Float32Array.from(s.values) }, 0, 'CHANNEL')),
    }),
  }),
});

builder.queryField('spatialAttribution', (t) =>
  t.field({
    type: SpatialAttributionRef,
    description:
      'Class-to-position attribution of an image at a layer by gradient x activation (one backward pass). NOT_FOUND, UNKNOWN_LAYER or UNKNOWN_CLASS.',
    args: {
      imageId: t.arg.id({ required: true, description: 'An image from `examples` or `uploadImage`.' }),
      layer: t.arg.string({ required: true, defaultValue: 'mixed4d', description: "Layer name from the model's `layers`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      class1: t.arg.string({ description: 'Class to attribute toward (same forms as in AttributionInput).' }),
      class2: t.arg.string({ description: 'Class to attribute away from.' }),
    },
    complexity: 5,
    resolve: async (_root, args, ctx) => {
      requireImage(ctx.images, String(args.imageId));
      const { buildingBlocks } = await ctx.forModel(args.model == null ? null : String(args.model));
      const map = await buildingBlocks.classSpatial(String(args.imageId), args.layer, args.class1, args.class2);
      return { ...map, method: 'SIMPLE' as const };
    },
  }),
);

builder.objectField(AttributionResultRef, 'spatialAttribution', (t) =>
  t.field({
    type: SpatialAttributionRef,
    nullable: true,
    description:
      "The job's class-to-position map: its spatial map summed over channels. Follows the running estimate like `heatmap`; null where that is null.",
    complexity: 2,
    resolve: async (r, _args, ctx) => {
      const map = r.final ? await ctx.jobs.spatial(r.jobId) : ctx.jobs.runningSpatial(r.jobId);
      if (!map) return null;
      const job = await ctx.jobs.require(r.jobId);
      return {
        layer: job.request.layer,
        height: map.height,
        width: map.width,
        values: classSpatialAttribution(map.data, map),
        method: job.request.method,
      };
    },
  }),
);
