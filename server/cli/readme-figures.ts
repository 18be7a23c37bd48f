import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { validateInput } from '../engine/attribution/index.js';
import { decodeImage } from '../engine/images.js';
import { REPO_ROOT } from '../repo-root.js';
import { engineSettings } from '../settings.js';
import { EnginePool } from '../workers/pool.js';
import { formatAttributionTable } from './format-table.js';
import { FIGURE_FILES, type Figures, type GapFigure, gapPercent, percent, writeBlocks } from './readme-figures/render.js';

/**
 * `npm run readme:figures`: computes every figure README.md quotes from its exact input file, the
 * way the app computes it (decode and resize in the engine, ONNX Runtime by default), writes them
 * to docs/readme-figures.json, rewrites the generated blocks of README.md and docs/verification.md
 * and prints them.
 * `-- --print` only prints.
 */
const IMAGES = '../shared/images';
const PREDICTION_FILES = [
  `${IMAGES}/dog_cat_composite.png`,
  `${IMAGES}/chelsea_cat.png`,
  `${IMAGES}/fruits.jpg`,
  `${IMAGES}/224/dog_cat_composite.png`,
  `${IMAGES}/224/chelsea_cat.png`,
  `${IMAGES}/224/fruits.png`,
];
const GAPS: Omit<GapFigure, 'gap'>[] = [
  // The notebook example as the README's CLI command runs it, then the same at the other fixed rules and Gauss-Legendre 32.
  ...(['LEFT_RIEMANN', 'MIDPOINT', 'GAUSS_LEGENDRE'] as const).map((rule) => ({
    file: `${IMAGES}/dog_cat_composite.png`,
    layer: 'mixed4d',
    class1: 'Labrador retriever',
    class2: 'tiger cat',
    steps: 100,
    rule,
  })),
  {
    file: `${IMAGES}/dog_cat_composite.png`,
    layer: 'mixed4d',
    class1: 'Labrador retriever',
    class2: 'tiger cat',
    steps: 32,
    rule: 'GAUSS_LEGENDRE',
  },
  // The completeness oracle: the model's own top class, on the copy PROVENANCE.md verified and on the original.
  ...[`${IMAGES}/224/dog_cat_composite.png`, `${IMAGES}/dog_cat_composite.png`].flatMap((file) =>
    (['LEFT_RIEMANN', 'MIDPOINT', 'GAUSS_LEGENDRE'] as const).map((rule) => ({
      file,
      layer: 'mixed4d',
      class1: 'Pekinese',
      class2: 'tiger cat',
      steps: 100,
      rule,
    })),
  ),
];

async function main() {
  const printOnly = process.argv.includes('--print');
  const engine = engineSettings(process.env);
  const pool = await EnginePool.start({
    size: 1,
    backend: engine.backend,
    modelDir: engine.modelDir,
    allowUnknownWeights: engine.allowUnknownWeights,
    executor: engine.executor,
  });
  try {
    const pixels = async (file: string) => (await pool.decodeImage(readFileSync(join(REPO_ROOT, file)))).pixels;
    const predictions: Figures['predictions'] = [];
    for (const file of PREDICTION_FILES) {
      const top = await pool.predict(await pixels(file), 2);
      predictions.push({
        file,
        top: top.map((p) => ({ name: pool.info.labels.classes[p.index].name, probability: Number(p.probability.toFixed(5)) })),
      });
    }
    const gaps: GapFigure[] = [];
    let exampleOutput = '';
    for (const g of GAPS) {
      const request = validateInput({ ...g, method: 'PATH' }, { ...pool.info, batchSize: engine.batchSize });
      const result = await pool.run(await pixels(g.file), request);
      gaps.push({ ...g, gap: Number(result.completenessGap.toFixed(6)) });
      // The first is `npm run example`'s request: its table is the README's sample output.
      exampleOutput ||= formatAttributionTable(request, result, { image: g.file });
    }
    const figures: Figures = {
      machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.versions.node}`,
      backend: pool.info.backend,
      predictions,
      gaps,
      exampleOutput,
    };
    for (const p of predictions) console.log(`${p.file}: ${p.top.map((t) => `${t.name} ${percent(t.probability)}`).join(', ')}`);
    for (const g of gaps)
      console.log(`${g.file} ${g.layer} "${g.class1}" vs "${g.class2}" ${g.rule} N=${g.steps}: completeness gap ${gapPercent(g.gap)}`);
    if (printOnly) return;
    writeFileSync(join(REPO_ROOT, 'docs/readme-figures.json'), JSON.stringify(figures, null, 2) + '\n');
    for (const file of Object.keys(FIGURE_FILES)) {
      const path = join(REPO_ROOT, file);
      writeFileSync(path, writeBlocks(file, readFileSync(path, 'utf8'), figures));
    }
    console.log(`wrote docs/readme-figures.json, ${Object.keys(FIGURE_FILES).join(' and ')}`);
  } finally {
    await pool.close();
  }
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
