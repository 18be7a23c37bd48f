import { execFile } from 'node:child_process';
import { resolve, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { IMAGES, REPO_ROOT } from '../../helpers/fixtures.js';
import { FIXTURES_DIR, loadReferences } from '../engine/onnx-import/pytorch-fixtures.js';

/** The multi-layer and multi-image oracles on an imported ONNX model (a PyTorch-exported SqueezeNet fixture). */
const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const CLI = resolve(REPO_ROOT, 'server/cli/attribute.ts');

async function json(args: string[]) {
  const { stdout } = await run(TSX, [CLI, ...args, '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: 'true', ENGINE_CACHE_DIR: 'off' },
  });
  return JSON.parse(stdout);
}

const squeezenet = loadReferences().find((r) => r.fixture === 'squeezenet')!;
const model = resolve(FIXTURES_DIR, squeezenet.model);
const image = resolve(REPO_ROOT, squeezenet.image);
const settings = [
  '--model',
  model,
  '--class1',
  squeezenet.class1.arg,
  '--class2',
  squeezenet.class2.arg,
  '--method',
  'path',
  '--steps',
  '8',
];

describe('an imported model: several layers and several images', () => {
  it("gives every layer the single-layer run's values bit for bit", async () => {
    const layers = squeezenet.layers.map((l) => l.module);
    const multi = await json([...settings, '--image', image, '--layers', layers.join(',')]);
    expect(multi.layers.map((l: { layer: string }) => l.layer).sort()).toEqual([...layers].sort());
    for (const l of multi.layers) {
      const single = await json([...settings, '--image', image, '--layer', l.layer]);
      expect(l.values).toEqual(single.values);
      expect(l.errors).toEqual(single.errors);
    }
  });

  it("keeps each image's single-run vector and their mean", async () => {
    const layer = squeezenet.layers[0].module;
    const files = [image, join(IMAGES, '224', 'fruits.png')];
    const multi = await json([...settings, '--layer', layer, '--images', ...files]);
    const singles: any[] = [];
    for (const file of files) singles.push(await json([...settings, '--layer', layer, '--image', file]));
    multi.perImage.forEach((p: { values: number[] }, i: number) => expect(p.values).toEqual(singles[i].values));
    multi.values.forEach((v: number, c: number) => expect(v).toBe((0 + singles[0].values[c] + singles[1].values[c]) / 2));
  });
});
