import { EngineError } from '../server/errors/engine-error.js';
import type { LayerToLayerMaps, TargetMap } from '../server/engine/building-blocks/layer-to-layer-attribution.js';
import { MAX_TARGET_POSITIONS } from '../server/engine/building-blocks/layer-to-layer-attribution.js';
import { AttributionJobRef } from './attribution-job.js';
import { builder } from './builder.js';
import { requireImage } from './image.js';
import { SpatialAttributionRef } from './spatial-attribution.js';

export const GridPositionInputRef = builder.inputType('GridPositionInput', {
  description: "A position in a layer's grid.",
  fields: (t) => ({
    x: t.int({ required: true, description: 'Column, 0-based.' }),
    y: t.int({ required: true, description: 'Row, 0-based.' }),
  }),
});

type TargetShape = TargetMap & { from: LayerToLayerMaps };

export const LayerToLayerTargetRef = builder.objectRef<TargetShape>('LayerToLayerTarget').implement({
  description: 'One target position of the later layer and its map over the earlier layer.',
  fields: (t) => ({
    x: t.exposeInt('x', { description: "Column in the later layer's grid, 0-based." }),
    y: t.exposeInt('y', { description: "Row in the later layer's grid, 0-based." }),
    magnitude: t.exposeFloat('magnitude', {
      description: "The objective: the L2 norm of the later layer's activation vector at (x, y). At 0 the map is all zero.",
    }),
    attribution: t.field({
      type: SpatialAttributionRef,
      description: "Over the earlier layer's grid: sum over its channels of activation x d(magnitude)/d(activation) at each position.",
      resolve: (m) => ({
        layer: m.from.from,
        height: m.from.fromHeight,
        width: m.from.fromWidth,
        values: m.values,
        method: 'SIMPLE' as const,
      }),
    }),
  }),
});

export const LayerToLayerAttributionRef = builder.objectRef<LayerToLayerMaps>('LayerToLayerAttribution').implement({
  description:
    'Layer-to-layer spatial attribution (Building Blocks of Interpretability, "Spatial Attribution"; Lucid\'s AttrSpatial.ipynb, ' +
    '`raw_spatial_spatial_attr`): for each target position p of the later layer, the objective is ||later[p, :]||_2 and its map ' +
    'over the earlier layer is sum_c earlier[s, c] x d||later[p]||/d earlier[s, c] at each position s. One backward pass per ' +
    'target. Max-pool gradients are exact (first maximum); Lucid\'s "smooth max-pool" gradient override is not used.',
  fields: (t) => ({
    from: t.exposeString('from', { description: 'The earlier layer: each map is over its grid.' }),
    to: t.exposeString('to', { description: 'The later layer: the target positions are on its grid.' }),
    fromHeight: t.exposeInt('fromHeight', { description: "The earlier layer's grid height." }),
    fromWidth: t.exposeInt('fromWidth', { description: "The earlier layer's grid width." }),
    toHeight: t.exposeInt('toHeight', { description: "The later layer's grid height." }),
    toWidth: t.exposeInt('toWidth', { description: "The later layer's grid width." }),
    targets: t.field({
      type: [LayerToLayerTargetRef],
      description: 'Every target asked for, in the order asked.',
      resolve: (r) => r.maps.map((m) => ({ ...m, from: r })),
    }),
    target: t.field({
      type: LayerToLayerTargetRef,
      description: 'The target at (x, y). BAD_ARGUMENT if it was not asked for.',
      args: {
        x: t.arg.int({ required: true, description: "Column in the later layer's grid." }),
        y: t.arg.int({ required: true, description: "Row in the later layer's grid." }),
      },
      resolve: (r, { x, y }) => {
        const m = r.maps.find((p) => p.x === x && p.y === y);
        if (!m)
          throw new EngineError(
            'BAD_ARGUMENT',
            `Position (x ${x}, y ${y}) of ${r.to} is not among this attribution's ${r.maps.length} targets.`,
          );
        return { ...m, from: r };
      },
    }),
  }),
});

builder.queryField('layerToLayerAttribution', (t) =>
  t.field({
    type: LayerToLayerAttributionRef,
    description:
      `Which positions of an earlier layer feed chosen positions of a later one, for an image (opt-in: one backward pass per target). NOT_FOUND; UNKNOWN_LAYER; BAD_ARGUMENT when \`to\` is not after \`from\`, ` +
      `for a position off \`to\`'s grid, or more than ${MAX_TARGET_POSITIONS} positions.`,
    args: {
      imageId: t.arg.id({ required: true, description: 'An image from `examples` or `uploadImage`.' }),
      from: t.arg.string({ required: true, defaultValue: 'mixed4d', description: 'The earlier layer, from `model.layers`.' }),
      to: t.arg.string({ required: true, defaultValue: 'mixed5a', description: 'The later layer, after `from`.' }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      positions: t.arg({
        type: [GridPositionInputRef],
        description: `Target positions on \`to\`'s grid; every one when left out (at most ${MAX_TARGET_POSITIONS}).`,
      }),
    },
    complexity: 20,
    resolve: async (_root, { imageId, from, to, model, positions }, ctx) => {
      requireImage(ctx.images, String(imageId));
      const { buildingBlocks } = await ctx.forModel(model == null ? null : String(model));
      return buildingBlocks.layerToLayer(String(imageId), from, to, positions);
    },
  }),
);

builder.objectField(AttributionJobRef, 'layerToLayerAttribution', (t) =>
  t.field({
    type: LayerToLayerAttributionRef,
    description:
      "Layer-to-layer spatial attribution of the job's image from a later layer back to the job's layer (see Query.layerToLayerAttribution).",
    args: {
      to: t.arg.string({ required: true, description: "The later layer, after the job's layer." }),
      positions: t.arg({
        type: [GridPositionInputRef],
        description: `Target positions on \`to\`'s grid; every one when left out (at most ${MAX_TARGET_POSITIONS}).`,
      }),
    },
    complexity: 20,
    resolve: async (job, { to, positions }, ctx) =>
      (await ctx.forModel(job.model)).buildingBlocks.layerToLayer(job.input.imageId, job.request.layer, to, positions),
  }),
);
