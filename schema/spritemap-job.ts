import { NotFoundError } from '../server/errors/not-found-error.js';
import type { SpritemapJobEvent } from '../server/spritemaps/spritemap-events.js';
import { builder } from './builder.js';
import type { Context } from './context.js';

const pngDataUrl = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

export const SpritemapJobStatusRef = builder.enumType('SpritemapJobStatus', {
  description: 'State of a spritemap render.',
  values: {
    RUNNING: { description: 'Rendering (or waiting for the render before it).' },
    SUCCEEDED: { description: 'Every requested channel has a sprite; the grid is composed.' },
    FAILED: { description: 'Stopped by an error; finished sprites are kept for a resume.' },
    CANCELLED: { description: 'Cancelled; finished sprites are kept, and the same render resumes from them.' },
  } as const,
});

export const SpriteRef = builder.objectRef<SpritemapJobEvent['latest'][number]>('Sprite').implement({
  description: 'One finished channel visualization.',
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer.' }),
    dataUrl: t.string({ description: 'The sprite as a PNG data URL.', resolve: (s) => pngDataUrl(s.png) }),
    activation: t.exposeFloat('activation', { description: "The channel's mean activation on it (after the ReLU)." }),
  }),
});

export const SpritemapJobRef = builder.objectRef<SpritemapJobEvent>('SpritemapJob').implement({
  description: 'A spritemap render: channel visualizations of a layer, resumable (DATA_DIR/spritemaps).',
  fields: (t) => ({
    id: t.exposeID('jobId', { description: 'Job id (in memory: a restarted server forgets it, but a new render resumes the sprites).' }),
    layer: t.exposeString('layer', { description: 'Layer being rendered.' }),
    size: t.exposeInt('size', { description: 'Sprite side, px.' }),
    steps: t.exposeInt('steps', { description: 'Optimization steps per channel.' }),
    status: t.field({ type: SpritemapJobStatusRef, description: 'Running, or how it ended.', resolve: (e) => e.status }),
    channelsDone: t.exposeInt('done', { description: 'Channels with a sprite, including those found from an earlier run.' }),
    channelsTotal: t.exposeInt('total', { description: 'Channels requested.' }),
    etaSeconds: t.exposeFloat('etaSeconds', {
      nullable: true,
      description: 'Estimated seconds to go; null until this run has finished a sprite.',
    }),
    elapsedSeconds: t.exposeFloat('elapsedSeconds', { description: 'Seconds this run has been rendering.' }),
    latestSprites: t.field({
      type: [SpriteRef],
      description: 'Sprites finished since the previous event (empty on queries).',
      resolve: (e) => e.latest,
    }),
    errorCode: t.string({ nullable: true, description: 'Error code of a FAILED render.', resolve: (e) => e.error?.code ?? null }),
    errorMessage: t.string({ nullable: true, description: 'Error message of a FAILED render.', resolve: (e) => e.error?.message ?? null }),
    goingAway: t.boolean({
      description:
        'True on the last event of a `spritemapProgress` stream that ends because the server is shutting down (SIGTERM/SIGINT): the render stops there, its finished sprites kept; the same renderSpritemap after the restart resumes from them. False otherwise.',
      resolve: (e) => e.goingAway ?? false,
    }),
  }),
});

/** The spritemap service (of whichever model) that holds render `id`. */
const spritemapsOf = (ctx: Context, id: string) => ctx.allModels().find((m) => m.spritemaps.job(id))?.spritemaps;

builder.mutationFields((t) => ({
  renderSpritemap: t.field({
    type: SpritemapJobRef,
    description:
      'Renders channel visualizations for every channel of `layer` into a spritemap (`Layer.spritemap`), in an engine worker. ' +
      'Resumes from sprites an earlier render with the same settings left. Progress: `spritemapProgress`.',
    args: {
      layer: t.arg.string({ required: true, description: "A layer from the model's `layers`, e.g. `mixed4d`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      size: t.arg.int({ description: 'Sprite side in px, even, 32..512 (default 96).' }),
      steps: t.arg.int({ description: 'Optimization steps per channel, 1..10000 (default 256).' }),
    },
    resolve: async (_root, { layer, model, size, steps }, ctx) =>
      (await ctx.forModel(model == null ? null : String(model))).spritemaps.start({
        layer,
        size: size ?? undefined,
        steps: steps ?? undefined,
      }),
  }),
  cancelSpritemap: t.field({
    type: SpritemapJobRef,
    description: 'Stops a render after its current step; its finished sprites are kept.',
    args: { id: t.arg.id({ required: true, description: "The render's id (`SpritemapJob.id`)." }) },
    resolve: (_root, { id }, ctx) => {
      const job = spritemapsOf(ctx, String(id))?.cancel(String(id));
      if (!job) throw new NotFoundError('job', String(id));
      return job;
    },
  }),
}));

builder.queryField('spritemapJob', (t) =>
  t.field({
    type: SpritemapJobRef,
    nullable: true,
    description: 'A spritemap render by id (null if this server has not started it).',
    args: { id: t.arg.id({ required: true, description: "The render's id (`SpritemapJob.id`)." }) },
    resolve: (_root, { id }, ctx) => spritemapsOf(ctx, String(id))?.job(String(id)) ?? null,
  }),
);

builder.subscriptionField('spritemapProgress', (t) =>
  t.field({
    type: SpritemapJobRef,
    description:
      "A render's progress: the latest state at once, then one event per finished sprite (with it), then completes after the final state.",
    args: { id: t.arg.id({ required: true, description: "The render's id (`SpritemapJob.id`)." }) },
    subscribe: (_root, { id }, ctx) => {
      const spritemaps = spritemapsOf(ctx, String(id));
      if (!spritemaps) throw new NotFoundError('job', String(id));
      return spritemaps.events.subscribe(String(id), ctx.signal);
    },
    resolve: (e) => e,
  }),
);
