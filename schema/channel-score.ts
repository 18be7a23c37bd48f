import type { ChannelScore } from '../server/engine/attribution/types.js';
import { builder } from './builder.js';

export const ChannelScoreRef = builder.objectRef<ChannelScore>('ChannelScore').implement({
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
  }),
});
