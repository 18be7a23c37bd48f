import type { Prediction } from './engine.js';
import type { Labels } from './labels.js';

/** Probabilities from logits, shifted by the largest logit so that exp never overflows. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** The `top` most probable classes of a row of logits, most probable first. */
export function topPredictions(logits: ArrayLike<number>, labels: Labels, top: number): Prediction[] {
  const probabilities = softmax(logits);
  return probabilities
    .map((probability, index) => ({ index, label: labels.classes[index].name, probability, logit: logits[index] }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, top);
}
