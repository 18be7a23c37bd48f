import type { ChannelSpriteInfo, LayerSprites, SpriteRenderState } from '../server/spritemaps/on-demand-sprites.js';
import { builder } from './builder.js';
import { LayerRef } from './model.js';

export const SpriteProfileRef = builder.enumType('SpriteProfile', {
  description: 'How a sprite was rendered (docs/spritemaps.md).',
  values: {
    FULL: { value: 'full', description: '96 px, 256 steps: the spritemap profile; shown in preference when it exists.' },
    THUMBNAIL: { value: 'thumbnail', description: '80 px, 128 steps, one batch: rendered on demand for the channels on screen.' },
  } as const,
});

export const SpritePriorityRef = builder.enumType('SpritePriority', {
  description: 'How urgent a sprite render is; the most urgent queued render goes first, attribution jobs before any.',
  values: {
    EXPLICIT: { description: 'The user asked for this channel (its detail view).' },
    VISIBLE: { description: "The channel is on screen (a job's top or bottom list, the compare view)." },
    LAYER: { description: 'A whole-layer spritemap the user started (`renderSpritemap`).' },
    BACKGROUND: { description: 'The rest of a layer whose sprites were asked for.' },
  } as const,
});

export const ChannelSpriteRef = builder.objectRef<ChannelSpriteInfo>('ChannelSprite').implement({
  description: "A channel's feature visualization as one PNG: the full profile's where one exists, else the thumbnail.",
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer.' }),
    profile: t.field({ type: SpriteProfileRef, description: 'Full or thumbnail.', resolve: (s) => s.profile }),
    size: t.exposeInt('size', { description: 'Side of the PNG, px.' }),
    path: t.exposeString('path', { description: "The PNG's URL relative to the server root." }),
    url: t.string({ description: 'Absolute URL of the PNG.', resolve: (s, _a, ctx) => `${ctx.origin}${s.path}` }),
  }),
});

export const SpriteRenderRef = builder.objectRef<SpriteRenderState>('SpriteRender').implement({
  description: 'A sprite that is queued or rendering.',
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer.' }),
    status: t.field({
      type: builder.enumType('SpriteRenderStatus', {
        description: 'Where a sprite render is.',
        values: {
          QUEUED: { description: 'Waiting for the renders before it (or for an attribution job).' },
          RENDERING: { description: 'In the batch being optimized now.' },
        } as const,
      }),
      description: 'Queued or rendering.',
      resolve: (s) => s.status,
    }),
    priority: t.field({ type: SpritePriorityRef, description: 'Why it was queued.', resolve: (s) => s.priority }),
    profile: t.field({ type: SpriteProfileRef, description: 'The profile it renders in.', resolve: (s) => s.profile }),
    etaSeconds: t.exposeFloat('etaSeconds', {
      nullable: true,
      description: 'Estimated seconds until it arrives; null until a render step has been timed.',
    }),
  }),
});

export const LayerSpritesRef = builder.objectRef<LayerSprites>('LayerSprites').implement({
  description: "A layer's channel pictures: those rendered, and those queued or rendering (with ETAs).",
  fields: (t) => ({
    layer: t.exposeString('layer', { description: 'Layer name.' }),
    channels: t.exposeInt('channels', { description: 'Channels in the layer.' }),
    rendered: t.int({ description: 'Channels with a sprite.', resolve: (s) => s.sprites.length }),
    sprites: t.field({
      type: [ChannelSpriteRef],
      description: 'Every channel with a sprite, in channel order.',
      resolve: (s) => s.sprites,
    }),
    pending: t.field({
      type: [SpriteRenderRef],
      description: 'Channels queued or rendering, most urgent first.',
      resolve: (s) => s.pending,
    }),
    goingAway: t.boolean({
      description:
        'True on the last event of a `layerSprites` stream that ends because the server is shutting down (SIGTERM/SIGINT); false otherwise. Renders queued in memory are forgotten: ask again after the restart.',
      resolve: (s) => s.goingAway ?? false,
    }),
  }),
});

builder.objectField(LayerRef, 'sprites', (t) =>
  t.field({
    type: LayerSpritesRef,
    description: "This layer's channel pictures and the renders queued for it.",
    resolve: async (layer, _a, ctx) => (await ctx.forModel(layer.model)).sprites.state(layer.name),
  }),
);

builder.mutationField('requestSprites', (t) =>
  t.field({
    type: LayerSpritesRef,
    description:
      'Queues sprites (thumbnail profile) for channels that have none yet, behind attribution jobs and more urgent renders; ' +
      'a channel already queued moves up to this priority. Asking for a layer also queues the rest of it in the background. ' +
      'Pictures arrive on `layerSprites` (and `ChannelScore.sprite`). UNKNOWN_LAYER, BAD_ARGUMENT.',
    args: {
      layer: t.arg.string({ required: true, description: "A layer from the model's `layers`, e.g. `mixed4d`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      channels: t.arg.intList({ required: true, description: 'Channel indices.' }),
      priority: t.arg({
        type: SpritePriorityRef,
        defaultValue: 'VISIBLE',
        description: 'VISIBLE for what is on screen, EXPLICIT for what the user asked for.',
      }),
    },
    resolve: async (_root, { layer, model, channels, priority }, ctx) =>
      (await ctx.forModel(model == null ? null : String(model))).sprites.request(layer, channels, priority ?? 'VISIBLE'),
  }),
);

builder.subscriptionField('layerSprites', (t) =>
  t.field({
    type: LayerSpritesRef,
    description:
      "A layer's pictures: the state at once, then after every finished sprite, new request or ETA change (about once a second while rendering). UNKNOWN_LAYER.",
    args: {
      layer: t.arg.string({ required: true, description: "A layer from the model's `layers`, e.g. `mixed4d`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
    },
    subscribe: async (_root, { layer, model }, ctx) =>
      (await ctx.forModel(model == null ? null : String(model))).sprites.subscribe(layer, ctx.signal),
    resolve: (s) => s,
  }),
);
