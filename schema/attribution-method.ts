import { builder } from './builder.js';

export const AttributionMethodRef = builder.enumType('AttributionMethod', {
  description: 'How attribution is computed (DESIGN.md, "Methods").',
  values: {
    SIMPLE: { description: 'Gradient x activation at the layer, summed over space (one step).' },
    PATH: { description: 'Integrated gradients along the straight path from zero activations to the real ones, times the activations.' },
    STOCHASTIC_PATH: {
      description: 'PATH with each channel scaled by (U(0,1)+U(0,1))/1.5 at every step, as the notebook does; seeded and reproducible.',
    },
  } as const,
});
