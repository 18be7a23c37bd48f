import type { ChannelScore } from '../server/engine/attribution/types.js';
import { builder } from './builder.js';
import { ChannelSpriteRef, SpriteRenderRef } from './channel-sprite.js';

/** A score as the schema serves it: with the layer its channel belongs to (for sprites), read once per list when asked. */
export type JobChannelScore = ChannelScore & { layer?: () => Promise<string | null> };

/** The job's layer, read from the store on first call only: every score of one list shares it. */
export function jobLayer(ctx: { jobs: { get(id: string): Promise<{ input: { layer: string } } | null> } }, jobId: string) {
  let layer: Promise<string | null> | undefined;
  return () => (layer ??= ctx.jobs.get(jobId).then((j) => j?.input.layer ?? null));
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
        const layer = await s.layer?.();
        return layer ? ctx.sprites.sprite(layer, s.channel) : null;
      },
    }),
    spriteRender: t.field({
      type: SpriteRenderRef,
      nullable: true,
      description: "The channel's sprite render while it is queued or rendering (with an ETA); null otherwise.",
      resolve: async (s, _a, ctx) => {
        const layer = await s.layer?.();
        return layer ? ctx.sprites.renderState(layer, s.channel) : null;
      },
    }),
  }),
});
