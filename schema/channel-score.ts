import type { ChannelScore } from '../server/engine/attribution/types.js';
import { builder } from './builder.js';
import { ChannelSpriteRef, SpriteRenderRef } from './channel-sprite.js';

/** A score as the schema serves it: with its job where known, whose layer the channel belongs to (sprites). */
export type JobChannelScore = ChannelScore & { jobId?: string };

const layerOf = async (s: JobChannelScore, ctx: { jobs: { get(id: string): Promise<{ input: { layer: string } } | null> } }) =>
  s.jobId ? ((await ctx.jobs.get(s.jobId))?.input.layer ?? null) : null;

export const ChannelScoreRef = builder.objectRef<JobChannelScore>('ChannelScore').implement({
  description: 'One channel\'s attribution and its rank.',
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer, 0-based.' }),
    value: t.exposeFloat('value', { description: 'Attribution: the channel\'s share of score(class1) - score(class2).' }),
    rank: t.exposeInt('rank', { description: '1 = most positive in `top`, most negative in `bottom`.' }),
    error: t.float({
      nullable: true,
      description: 'The value\'s estimated standard error (see `AttributionEstimate.errors`); the bar is value ± 2 error. Null in jobs stored before errors existed.',
      resolve: (c) => c.error ?? null,
    }),
    sprite: t.field({
      type: ChannelSpriteRef,
      nullable: true,
      description: 'The channel\'s feature visualization (full profile in preference, else thumbnail); null until one is rendered (`requestSprites`).',
      resolve: async (s, _a, ctx) => {
        const layer = await layerOf(s, ctx);
        return layer ? ctx.sprites.sprite(layer, s.channel) : null;
      },
    }),
    spriteRender: t.field({
      type: SpriteRenderRef,
      nullable: true,
      description: 'The channel\'s sprite render while it is queued or rendering (with an ETA); null otherwise.',
      resolve: async (s, _a, ctx) => {
        const layer = await layerOf(s, ctx);
        return layer ? ctx.sprites.renderState(layer, s.channel) : null;
      },
    }),
  }),
});
