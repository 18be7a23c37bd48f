import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Figures, FIGURE_FILES, findGap, readBlock } from '../server/cli/readme-figures/render.js';
import { REPO_ROOT } from '../server/repo-root.js';
import { EnginePool } from '../server/workers/pool.js';

// README.md and docs/verification.md against what the code computes: the blocks are what
// `npm run readme:figures` writes from docs/readme-figures.json, and the cheap figures
// (predictions) are recomputed here.
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const figures = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/readme-figures.json'), 'utf8')) as Figures;

describe('README figures', () => {
  let pool: EnginePool;
  beforeAll(async () => {
    pool = await EnginePool.start({ size: 1 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('every generated block in README.md and the docs is what docs/readme-figures.json renders to (else: npm run readme:figures)', () => {
    for (const [file, blocks] of Object.entries(FIGURE_FILES)) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const [block, render] of Object.entries(blocks)) expect(readBlock(text, block), `${file} block ${block}`).toBe(render(figures));
    }
  });

  it('predictions: each file, decoded and run by the engine now, gives the recorded top two to 0.05 %', async () => {
    for (const p of figures.predictions) {
      const { pixels } = await pool.decodeImage(readFileSync(join(REPO_ROOT, p.file)));
      const now = await pool.predict(pixels, 2);
      expect(
        now.map((q) => pool.info.labels.classes[q.index].name),
        p.file,
      ).toEqual(p.top.map((t) => t.name));
      now.forEach((q, i) => expect(Math.abs(q.probability - p.top[i].probability), p.file).toBeLessThan(5e-4));
    }
  });

  it('the sample output is the notebook command of README.md, and its gap the recorded one', () => {
    const command =
      /```sh\nnpm run --silent attribute -- (--image \S+ --layer \S+) \\\n\s+(--class1 "[^"]+" --class2 "[^"]+" --method path --steps \d+)\n```/.exec(
        readme,
      );
    expect(command).not.toBeNull();
    const first = findGap(figures, { rule: 'LEFT_RIEMANN', class1: 'Labrador retriever', steps: 100 });
    expect(`${command![1]} ${command![2]}`).toBe(
      `--image ${first.file} --layer ${first.layer} --class1 "${first.class1}" --class2 "${first.class2}" --method path --steps ${first.steps}`,
    );
    expect(figures.exampleOutput).toContain(`completeness gap ${(first.gap * 100).toFixed(2)}%`);
    expect(figures.exampleOutput.split('\n')[0]).toBe(
      `${first.file} @ ${first.layer} (528 channels): "${first.class1}" vs "${first.class2}"`,
    );
  });

  it('the notebook example in package.json runs the same command', () => {
    const example = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.example as string;
    expect(example).toContain(
      "--image ../shared/images/dog_cat_composite.png --layer mixed4d --class1 'Labrador retriever' --class2 'tiger cat' --method path --steps 100",
    );
  });
});
