import { completenessGap, rankChannels, rankStability } from './channel-ranking.js';
import { isSettled, relativeErrorOf } from './convergence-estimates.js';
import type { AcrossImages, ChannelScore, LayerEstimate, Snapshot } from './types.js';

/** One image's final estimate at one layer: what the mean is made of. */
export type ImageEstimate = Pick<
  Snapshot,
  'values' | 'errors' | 'top' | 'bottom' | 'score' | 'baselineScore' | 'stepsDone' | 'stepsTotal' | 'elapsedMs' | 'settled'
>;

/**
 * The mean channel attribution over images, with its error. Image i at the layer has values
 * v_i and integration errors s_i (one standard error per channel, from its own path integral).
 * Over n images:
 *
 *   mean        m   = (v_1 + ... + v_n) / n                       (summed in image order)
 *   spread      sem = sqrt(sum (v_i - m)^2 / (n - 1)) / sqrt(n)   (standard error of the mean; 0 for n = 1)
 *   integration int = sqrt(s_1^2 + ... + s_n^2) / n
 *   error       e   = sqrt(sem^2 + int^2)
 *
 * `sem` says how far the mean of these images may be from the mean over the population they
 * were drawn from; `int` how far it is from the mean of these images' exact integrals. The
 * observed spread already contains some integration noise, so adding both counts it twice:
 * the combined bar errs on the wide side, by at most sqrt(2) where integration dominates.
 * With one image the spread is unknown and the error is the integration part alone.
 *
 * `topCount` / `bottomCount`: per channel, how many of the images have it in their own top or
 * bottom K (K = topK), the consistency of a channel's role across the set.
 */
export function meanOverImages(
  layer: string,
  images: readonly ImageEstimate[],
  topK: number,
  previous?: Pick<LayerEstimate, 'top' | 'bottom'>,
): LayerEstimate & { acrossImages: AcrossImages } {
  const n = images.length;
  const C = n ? images[0].values.length : 0;
  const sum = new Float64Array(C);
  const integration2 = new Float64Array(C);
  const topCount = new Array<number>(C).fill(0);
  const bottomCount = new Array<number>(C).fill(0);
  let score = 0,
    baselineScore = 0,
    stepsDone = 0,
    stepsTotal = 0,
    elapsedMs = 0;
  for (const im of images) {
    for (let c = 0; c < C; c++) {
      sum[c] += im.values[c];
      integration2[c] += (im.errors[c] ?? 0) ** 2;
    }
    for (const t of im.top.slice(0, topK)) topCount[t.channel]++;
    for (const b of im.bottom.slice(0, topK)) bottomCount[b.channel]++;
    score += im.score;
    baselineScore += im.baselineScore;
    stepsDone += im.stepsDone;
    stepsTotal += im.stepsTotal;
    elapsedMs += im.elapsedMs;
  }
  const values = Array.from(sum, (s) => (n ? s / n : 0));
  const spread = new Array<number>(C).fill(0);
  if (n > 1) {
    const dev2 = new Float64Array(C);
    for (const im of images) for (let c = 0; c < C; c++) dev2[c] += (im.values[c] - values[c]) ** 2;
    for (let c = 0; c < C; c++) spread[c] = Math.sqrt(dev2[c] / (n - 1) / n);
  }
  const integration = Array.from(integration2, (s) => (n ? Math.sqrt(s) / n : 0));
  const errors = spread.map((s, c) => Math.hypot(s, integration[c]));
  const ranked = rankChannels(values, topK);
  const withErrors = (list: ChannelScore[]) => list.map((x) => ({ ...x, error: errors[x.channel] }));
  score = n ? score / n : 0;
  baselineScore = n ? baselineScore / n : 0;
  return {
    layer,
    status: 'RUNNING',
    stepsDone,
    stepsTotal,
    values,
    errors,
    relativeError: relativeErrorOf(values, errors),
    settled: n > 0 && isSettled(values, errors, topK),
    top: withErrors(ranked.top),
    bottom: withErrors(ranked.bottom),
    score,
    baselineScore,
    completenessGap: n ? completenessGap(values, score, baselineScore) : 1,
    rankStability: rankStability(previous, ranked),
    elapsedMs,
    etaMs: 0,
    done: false,
    acrossImages: { imagesDone: n, spread, integration, topCount, bottomCount },
  };
}

/** The images (by position in `images`) where a channel is largest (`toward` class 1) or most negative, with their values. */
export function imagesWhereChannelMatters(
  images: readonly Pick<ImageEstimate, 'values' | 'errors'>[],
  channel: number,
  first: number,
  direction: 'POSITIVE' | 'NEGATIVE' = 'POSITIVE',
): { index: number; value: number; error: number }[] {
  const sign = direction === 'POSITIVE' ? 1 : -1;
  return images
    .map((im, index) => ({ index, value: im.values[channel], error: im.errors[channel] ?? 0 }))
    .sort((a, b) => sign * (b.value - a.value) || a.index - b.index)
    .slice(0, first);
}
