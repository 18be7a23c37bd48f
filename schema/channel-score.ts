import type { ChannelScore } from '../server/engine/attribution/types.js';
import { builder } from './builder.js';
import { ChannelSpriteRef, SpriteRenderRef } from './channel-sprite.js';

/** The model and layer a channel belongs to. */
export interface ChannelLayer {
  model: string;
  layer: string;
}

/** A score as the schema serves it: with the model and layer its channel belongs to (for sprites), read once per list when asked. */
export type JobChannelScore = ChannelScore & { layer?: () => Promise<ChannelLayer | null> };

/** The job's model and layer, read from the store on first call only: every score of one list shares them. */
export function jobLayer(ctx: { jobs: { get(id: string): Promise<{ model: string; input: { layer: string } } | null> } }, jobId: string) {
  let layer: Promise<ChannelLayer | null> | undefined;
  return () => (layer ??= ctx.jobs.get(jobId).then((j) => (j ? { model: j.model, layer: j.input.layer } : null)));
}

export const ChannelScoreRef = builder.objectRef<JobChannelScore>('ChannelScore').implement({
  description: "One channel's attribution and its rank.",
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer, 0-based.' }),
    value: t.exposeFloat('value', { description: "Attribution: the channel's share of score(class1) - score(class2)." }),
    rank: t.exposeInt('rank', { description: '1 = most positive in `top`, most negative in `bottom`.' }),
    error: t.float({
      nullable: true,
      description:
        "The value's estimated standard error (see `AttributionEstimate.errors`); the bar is value ± 2 error. Null in jobs stored before errors existed.",
      resolve: (c) => c.error ?? null,
    }),
    sprite: t.field({
      type: ChannelSpriteRef,
      nullable: true,
      description:
        "The channel's feature visualization (full profile in preference, else thumbnail); null until one is rendered (`requestSprites`).",
      resolve: async (s, _a, ctx) => {
        const at = await s.layer?.();
        return at ? (await ctx.forModel(at.model)).sprites.sprite(at.layer, s.channel) : null;
      },
    }),
    spriteRender: t.field({
      type: SpriteRenderRef,
      nullable: true,
      description: "The channel's sprite render while it is queued or rendering (with an ETA); null otherwise.",
      resolve: async (s, _a, ctx) => {
        const at = await s.layer?.();
        return at ? (await ctx.forModel(at.model)).sprites.renderState(at.layer, s.channel) : null;
      },
    }),
  }),
});
