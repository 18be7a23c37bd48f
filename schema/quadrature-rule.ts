import { builder } from './builder.js';

export const QuadratureRuleRef = builder.enumType('QuadratureRule', {
  description: 'How the path integral is discretised into steps.',
  values: {
    LEFT_RIEMANN: { description: "alpha = k/N for k = 0..N-1: the notebook's rule, reproduced exactly." },
    TRAPEZOID: { description: 'Trapezoid rule on k/(N-1); needs at least 2 steps.' },
    MIDPOINT: { description: 'alpha = (k + 1/2)/N: second order at the cost of the left sum.' },
    GAUSS_LEGENDRE: { description: 'Gauss-Legendre nodes and weights on [0, 1]: fastest convergence for smooth paths.' },
    SIDI: {
      description:
        "Trapezoid rule after Sidi's sin^2 change of variable: points crowd towards both ends, and for N = 2^k - 1 they nest, so a tolerance run wastes no step.",
    },
    SQUARED: {
      description:
        'Trapezoid rule after the change of variable alpha = t^2: points at (j/N)^2, denser near the baseline, where ReLU networks change most; for N = 2^k they nest. The default with a tolerance.',
    },
  } as const,
});
