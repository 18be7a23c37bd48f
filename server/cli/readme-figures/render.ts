/**
 * The measured figures README.md and docs/verification.md quote: what `npm run readme:figures`
 * computed (docs/readme-figures.json) and the markdown blocks it writes between
 * `<!-- readme-figures:NAME -->` markers. Pure, so test/readme-figures.test.ts can check those
 * files against the JSON without the engine.
 */

export interface PredictionFigure {
  /** Relative to the repository root. */
  file: string;
  top: { name: string; probability: number }[];
}

export interface GapFigure {
  file: string;
  layer: string;
  class1: string;
  class2: string;
  steps: number;
  rule: 'LEFT_RIEMANN' | 'MIDPOINT' | 'GAUSS_LEGENDRE';
  /** |sum(attr) - (score(A) - score(0))| / |score(A) - score(0)|. */
  gap: number;
}

export interface Figures {
  /** Where and how they were measured. */
  machine: string;
  backend: string;
  predictions: PredictionFigure[];
  gaps: GapFigure[];
  /** What `npm run example` prints (the CLI's own table), from the same run as the first gap. */
  exampleOutput: string;
}

const RULE_FLAG = { LEFT_RIEMANN: 'left-riemann', MIDPOINT: 'midpoint', GAUSS_LEGENDRE: 'gauss-legendre' } as const;
const RULE_NAME = { LEFT_RIEMANN: 'left Riemann', MIDPOINT: 'midpoint', GAUSS_LEGENDRE: 'Gauss-Legendre' } as const;

export const percent = (p: number, digits = 1) => `${(p * 100).toFixed(digits)} %`;
/** Gaps to two significant places past the percent point, as the CLI prints them (`completeness gap 4.51%`). */
export const gapPercent = (g: number) => `${(g * 100).toFixed(2)} %`;

/** The one command that prints a gap: the CLI's last header line says `completeness gap X%`. */
export function gapCommand(g: GapFigure): string {
  return `npm run --silent attribute -- --image ${g.file} --layer ${g.layer} --class1 "${g.class1}" --class2 "${g.class2}" --method path --steps ${g.steps} --rule ${RULE_FLAG[g.rule]}`;
}

const name = (file: string) => file.replace(/^\.\.\/shared\//, '');

export function findGap(f: Figures, where: Partial<GapFigure>): GapFigure {
  const g = f.gaps.find((x) => Object.entries(where).every(([k, v]) => x[k as keyof GapFigure] === v));
  if (!g) throw new Error(`docs/readme-figures.json has no gap for ${JSON.stringify(where)}: run npm run readme:figures`);
  return g;
}

export function findPrediction(f: Figures, file: string): PredictionFigure {
  const p = f.predictions.find((x) => x.file === file);
  if (!p) throw new Error(`docs/readme-figures.json has no predictions for ${file}: run npm run readme:figures`);
  return p;
}

/** The paragraph under the notebook example's CLI output. */
function exampleBlock(f: Figures): string {
  const original = '../shared/images/dog_cat_composite.png';
  const top = findPrediction(f, original).top[0];
  const at = (rule: GapFigure['rule'], steps: number) => findGap(f, { file: original, class1: 'Labrador retriever', rule, steps });
  return [
    `Measured on ${f.machine} (${f.backend}) by \`npm run readme:figures\`; the time is wall-clock, and varies with`,
    'the machine and its load ([docs/performance.md](docs/performance.md) has timings with their load). The last digits vary between CPUs:',
    'ONNX Runtime picks its kernels by instruction set (AVX2, AVX-512), and float32 sums taken in another order round',
    'differently (another x86 machine printed a gap of 4.49 % and a sum of -2.9612 for this command).',
    '',
    `The model sees the dog in \`${name(original)}\` as a ${top.name} (${percent(top.probability)}), so "Labrador retriever"`,
    `is not its own top class. The completeness gap of the 100-step left Riemann sum (${gapPercent(at('LEFT_RIEMANN', 100).gap)}) is the`,
    `notebook's rule at work; on this image and class pair the other rules at the same 100 steps give`,
    `${gapPercent(at('MIDPOINT', 100).gap)} (midpoint) and ${gapPercent(at('GAUSS_LEGENDRE', 100).gap)} (Gauss-Legendre), and Gauss-Legendre at 32 steps`,
    `${gapPercent(at('GAUSS_LEGENDRE', 32).gap)}. Each is the \`completeness gap\` line of the command above with`,
    '`--rule midpoint` or `--rule gauss-legendre` (and `--steps 32`) added.',
  ].join('\n');
}

/** The figures under "How we know the numbers are right": each with its exact file and command. */
function oraclesBlock(f: Figures): string {
  const lines = [
    `Figures from \`npm run readme:figures\` (${f.machine}, ${f.backend}; it rewrites these blocks and`,
    '`docs/readme-figures.json`, and `test/readme-figures.test.ts` checks this file and README.md against them):',
    '',
    '| input file | what | figure |',
    '| --- | --- | --- |',
  ];
  for (const p of f.predictions) {
    lines.push(
      `| \`${name(p.file)}\` | top predictions, as the API and dashboard give them | ${p.top.map((t) => `${t.name} ${percent(t.probability)}`).join(', ')} |`,
    );
  }
  for (const g of f.gaps) {
    lines.push(
      `| \`${name(g.file)}\` | completeness gap, ${g.layer}, "${g.class1}" vs "${g.class2}", ${RULE_NAME[g.rule]}, N = ${g.steps} | ${gapPercent(g.gap)}: \`${gapCommand(g).replace(/\|/g, '\\|')}\` |`,
    );
  }
  lines.push(
    '',
    'The 224 px copies are what PROVENANCE.md verified; the originals are what a user uploads',
    "(centre-cropped and resized by the app's own resampler), so their figures differ a little.",
  );
  return lines.join('\n');
}

type Blocks = Record<string, (f: Figures) => string>;

/** Each file that quotes figures (relative to the repository root), with the blocks it holds. */
export const FIGURE_FILES: Record<string, Blocks> = {
  'README.md': {
    'cli-example': (f) => ['```', f.exampleOutput, '```'].join('\n'),
    example: exampleBlock,
  },
  'docs/verification.md': { oracles: oraclesBlock },
};

const marker = (block: string) => new RegExp(`(<!-- readme-figures:${block} -->\\n)([\\s\\S]*?)(\\n<!-- /readme-figures:${block} -->)`);

/** The text between a block's markers, or null when the markers are missing. */
export function readBlock(text: string, block: string): string | null {
  return marker(block).exec(text)?.[2] ?? null;
}

/** `file`'s text with each of its blocks rewritten from the figures. */
export function writeBlocks(file: string, text: string, f: Figures): string {
  let out = text;
  for (const [block, render] of Object.entries(FIGURE_FILES[file])) {
    if (readBlock(out, block) === null) throw new Error(`${file} has no <!-- readme-figures:${block} --> block.`);
    out = out.replace(marker(block), (_m, open, _body, close) => `${open}${render(f)}${close}`);
  }
  return out;
}
