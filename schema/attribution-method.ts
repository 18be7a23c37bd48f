import { builder } from './builder.js';

export const AttributionMethodRef = builder.enumType('AttributionMethod', {
  description:
    'How attribution is computed, as in the Building Blocks notebook: SIMPLE is gradient x activation at the layer; PATH integrates the gradient along the straight path from zero activations; STOCHASTIC_PATH scales each channel randomly at every step.',
  values: {
    SIMPLE: { description: 'Gradient x activation at the layer, summed over space (one step).' },
    PATH: { description: 'Integrated gradients along the straight path from zero activations to the real ones, times the activations.' },
    STOCHASTIC_PATH: {
      description: 'PATH with each channel scaled by (U(0,1)+U(0,1))/1.5 at every step, as the notebook does; seeded and reproducible.',
    },
  } as const,
});
