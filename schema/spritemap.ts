import { resolveLayer } from '../server/engine/layer-info.js';
import type { SpritemapCell, SpritemapIndex } from '../server/spritemaps/sprite-store.js';
import { builder } from './builder.js';
import { LayerRef } from './model.js';

export const SpriteCellRef = builder.objectRef<SpritemapCell & { size: number }>('SpriteCell').implement({
  description: "Where one channel's visualization sits in its spritemap.",
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer.' }),
    column: t.exposeInt('column', { description: '`channel % columns`.' }),
    row: t.exposeInt('row', { description: '`floor(channel / columns)`.' }),
    x: t.int({ description: 'Left edge in the grid image, px.', resolve: (c) => c.column * c.size }),
    y: t.int({ description: 'Top edge in the grid image, px.', resolve: (c) => c.row * c.size }),
    activation: t.float({
      nullable: true,
      description: "The channel's mean activation on its visualization (after the ReLU).",
      resolve: (c) => (Number.isFinite(c.activation) ? c.activation : null),
    }),
  }),
});

/** A spritemap's index, with the URL prefix of its model's files (empty for the built-in model). */
type ServedSpritemap = SpritemapIndex & { urlPrefix: string };

/** The latest spritemap of a layer of a model, as the schema serves it; null until one is rendered. */
export async function servedSpritemap(
  ctx: { forModel(id?: string | null): Promise<{ spritemaps: { spritemap(layer: string): SpritemapIndex | null }; urlPrefix: string }> },
  model: string | null | undefined,
  layer: string,
): Promise<ServedSpritemap | null> {
  const s = await ctx.forModel(model);
  const index = s.spritemaps.spritemap(layer);
  return index && { ...index, urlPrefix: s.urlPrefix };
}

const gridPath = (s: ServedSpritemap, ext: 'png' | 'json') => `${s.urlPrefix}/spritemaps/${encodeURIComponent(s.layer)}.${ext}`;

export const SpritemapRef = builder.objectRef<ServedSpritemap>('Spritemap').implement({
  description:
    'Channel visualizations of a layer (feature visualization by optimization, Lucid style) in one grid PNG: ' +
    "channel n at column `n % columns`, row `floor(n / columns)`, each `size` px square, as the notebook's spritemaps.",
  fields: (t) => ({
    layer: t.exposeString('layer', { description: 'Layer name, e.g. `mixed4d`.' }),
    url: t.string({ description: 'Absolute URL of the grid PNG.', resolve: (s, _a, ctx) => `${ctx.origin}${gridPath(s, 'png')}` }),
    path: t.string({ description: "The grid PNG's URL relative to the server root.", resolve: (s) => gridPath(s, 'png') }),
    indexPath: t.string({
      description: 'The JSON index (cells, settings), relative to the server root.',
      resolve: (s) => gridPath(s, 'json'),
    }),
    size: t.exposeInt('size', { description: 'Side of one sprite, px.' }),
    columns: t.exposeInt('columns', { description: "Sprites per row (the notebook's `sprite_n_wrap`)." }),
    rows: t.exposeInt('rows', { description: 'Rows in the grid image.' }),
    width: t.exposeInt('width', { description: 'Grid image width, px.' }),
    height: t.exposeInt('height', { description: 'Grid image height, px.' }),
    steps: t.exposeInt('steps', { description: 'Optimization steps per channel.' }),
    seed: t.exposeInt('seed', { description: 'Seed of the start images and random transforms.' }),
    renderedChannels: t.int({ description: 'Channels with a sprite.', resolve: (s) => s.cells.length }),
    missingChannels: t.exposeIntList('missing', { description: 'Channels not rendered yet (blank cells).' }),
    renderedAt: t.field({ type: 'DateTime', description: 'When the grid was composed.', resolve: (s) => new Date(s.renderedAt) }),
    cell: t.field({
      type: SpriteCellRef,
      nullable: true,
      description: 'The cell of one channel; null when that channel has no sprite yet.',
      args: { channel: t.arg.int({ required: true, description: 'Channel index in the layer.' }) },
      resolve: (s, { channel }) => {
        const c = s.cells.find((x) => x.channel === channel);
        return c ? { ...c, size: s.size } : null;
      },
    }),
  }),
});

builder.objectField(LayerRef, 'spritemap', (t) =>
  t.field({
    type: SpritemapRef,
    nullable: true,
    description: "The latest spritemap of this layer's channels; null until one is rendered (`renderSpritemap`, `npm run spritemaps`).",
    resolve: (layer, _args, ctx) => servedSpritemap(ctx, layer.model, layer.name),
  }),
);

builder.queryField('layer', (t) =>
  t.field({
    type: LayerRef,
    description:
      'One layer of a model by name, module path or ONNX tensor (for a channel detail view: its spritemap and dataset examples). UNKNOWN_LAYER if the model has no such layer.',
    args: {
      name: t.arg.string({ required: true, description: 'e.g. `mixed4d`.' }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
    },
    resolve: async (_root, { name, model }, ctx) => {
      const { info } = await ctx.models.engine(model == null ? null : String(model));
      return { ...resolveLayer(info.layers, name), model: info.id };
    },
  }),
);
