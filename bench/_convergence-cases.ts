/**
 * The cases bench/convergence.ts measures, and the different ones bench/error-calibration.ts fits
 * the error estimate's constants on (so the bench checks them on cases they were not fit to).
 */
export const IMAGES = [
  'dog_cat_composite',
  'chelsea_cat',
  'fruits',
  'eagle',
  'squirrel',
  'grace_hopper',
  'chicky_dog',
  'coffee',
  'dog_bicycle',
  'person_dog_horse',
];
export const LAYERS = ['mixed3a', 'mixed3b', 'mixed4a', 'mixed4b', 'mixed4c', 'mixed4d', 'mixed4e', 'mixed5a', 'mixed5b'];
export type Pair = 'top1-top2' | 'top1-logsumexp' | 'notebook';

/** Two cases per image at two layers five apart, so the 20 cover every layer twice or more; and the notebook's own. */
export const BENCH_CASES: { image: string; layer: string; pair: Pair }[] = [
  { image: 'dog_cat_composite', layer: 'mixed4d', pair: 'notebook' as const },
  ...IMAGES.flatMap((image, i) => [
    { image, layer: LAYERS[i % LAYERS.length], pair: 'top1-top2' as const },
    { image, layer: LAYERS[(i + 5) % LAYERS.length], pair: 'top1-logsumexp' as const },
  ]),
];

/** Class pairs of the fitting cases: the model's top-k classes of the image, against each other, logsumexp or nothing. */
export type FitPair = 'top1-top2' | 'top1-lse' | 'top3-top1' | 'top1-none' | 'top2-top1';
const FIT_PAIRS: FitPair[] = ['top1-top2', 'top1-lse', 'top3-top1', 'top1-none', 'top2-top1'];

/**
 * The fitting cases, in recording order: round r gives each image the layer r after its own and
 * the pair 2r after its own, so the first rounds already cover every image, layer and pair; the
 * bench's own cases are left out.
 */
export function fitCases(count: number): { image: string; layer: string; pair: FitPair }[] {
  const cases: { image: string; layer: string; pair: FitPair }[] = [];
  const bench = (image: string, layer: string, pair: FitPair) =>
    BENCH_CASES.some(
      (b) => b.image === image && b.layer === layer && (b.pair === pair || (b.pair === 'top1-logsumexp' && pair === 'top1-lse')),
    );
  for (let r = 0; cases.length < count && r < LAYERS.length * FIT_PAIRS.length; r++)
    for (let i = 0; i < IMAGES.length && cases.length < count; i++) {
      const c = { image: IMAGES[i], layer: LAYERS[(i + r) % LAYERS.length], pair: FIT_PAIRS[(i + 2 * r) % FIT_PAIRS.length] };
      if (!bench(c.image, c.layer, c.pair)) cases.push(c);
    }
  return cases;
}
