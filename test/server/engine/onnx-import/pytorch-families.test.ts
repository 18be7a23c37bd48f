import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOnce, validateInput, type AttributionMethod } from '../../../../server/engine/attribution/index.js';
import { ImportedOnnxExecutor } from '../../../../server/engine/onnx-import/imported-onnx-executor.js';
import { decodeImage } from '../../../../server/engine/images.js';
import { Labels } from '../../../../server/engine/labels.js';
import { importModel, type ImportedModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { MODEL_DIR, REPO_ROOT, relativeL2 } from '../../../helpers/fixtures.js';
import { loadReferences, modelPath, type PytorchReference } from './pytorch-fixtures.js';

// The importer against an independent oracle: for each classifier family, PyTorch autograd on the
// very model the ONNX file was exported from (test/fixtures/onnx-models/make_fixtures.py), at two
// block outputs named by module path and by ONNX tensor name, SIMPLE and PATH. The bar is the one
// a user's PyTorch script would hold it to: 1e-3 relative L2. The layers were chosen where float32
// rounding cannot reach that bar (test/fixtures/onnx-models/README.md): a failure is a wrong rule.
const BAR = 1e-3;
const references = loadReferences();
// The ImageNet names that 1000- and 1001-class models without config.json default to.
const imagenetLabels = readFileSync(resolve(MODEL_DIR, 'labels.txt'), 'utf8');
const executors: ImportedOnnxExecutor[] = [];
afterAll(() => executors.forEach((e) => e.dispose()));

const methods = (ref: PytorchReference): [AttributionMethod, number, 'simple' | 'path'][] => [
  ['SIMPLE', 1, 'simple'],
  ['PATH', ref.pathSteps, 'path'],
];

describe.each(references.map((r) => [r.fixture, r] as const))('%s, imported, against PyTorch autograd', (_, ref) => {
  let setup: { model: ImportedModel; executor: ImportedOnnxExecutor; image: Float32Array; labels: Labels };
  beforeAll(async () => {
    const model = importModel(modelPath(ref), { imagenetLabels });
    const executor = await ImportedOnnxExecutor.create(model, { threads: 1 });
    executors.push(executor);
    const image = decodeImage(readFileSync(resolve(REPO_ROOT, ref.image)), model.inputSize).pixels;
    setup = { model, executor, image, labels: Labels.parse(model.labelsText) };
  });

  it('reads the model as exported: size, classes, labels, preprocessing', async () => {
    const { model, labels } = setup;
    expect(model.inputSize).toBe(ref.input.shape[2]);
    expect(model.classes).toBe(ref.numClasses);
    for (const c of [ref.class1, ref.class2]) expect(labels.resolve(c.arg).term).toEqual({ kind: 'class', index: c.index });
    for (const layer of ref.layers) {
      const byModule = model.layers.find((l) => l.name === layer.module || l.tensor === layer.tensor);
      expect(byModule, layer.module).toMatchObject({
        tensor: layer.tensor,
        channels: layer.channels,
        height: layer.height,
        width: layer.width,
      });
    }
  });

  it('predicts PyTorch logits from the product-decoded photo', async () => {
    const { executor, image } = setup;
    expect(relativeL2(await executor.imageLogits(image), ref.logits)).toBeLessThan(1e-5);
  });

  for (const layer of ref.layers) {
    for (const name of [layer.module, layer.tensor]) {
      for (const [method, steps, key] of methods(ref)) {
        it(`${method} at ${name}`, async () => {
          const { model, executor, image, labels } = setup;
          const input = { layer: name, class1: ref.class1.arg, class2: ref.class2.arg, method, steps };
          const result = await attributeOnce(executor, image, validateInput(input, { labels, layers: model.layers }));
          expect(result.values).toHaveLength(layer.channels);
          expect(relativeL2(result.values, layer[key])).toBeLessThan(BAR);
          expect(Math.abs(result.score - layer.score)).toBeLessThan(BAR * Math.max(1, Math.abs(layer.score)));
        });
      }
    }
  }
});

// The same comparison through the command a user runs, in a child process, for one family.
async function attributeCli(ref: PytorchReference, ...args: string[]) {
  const argv = [
    'server/launch.mjs',
    'server/cli/attribute.ts',
    '--model',
    modelPath(ref),
    '--image',
    resolve(REPO_ROOT, ref.image),
    ...args,
  ];
  argv.push('--class1', ref.class1.arg, '--class2', ref.class2.arg, '--json');
  const env = { ...process.env, ENGINE_CACHE_DIR: 'off' };
  const { stdout } = await promisify(execFile)(process.execPath, argv, { cwd: REPO_ROOT, env, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('npm run attribute -- --model, against PyTorch autograd', () => {
  const ref = references.find((r) => r.fixture === 'resnet')!;
  const layer = ref.layers[0];
  for (const [name, method] of [
    [layer.module, 'path'],
    [layer.tensor, 'simple'],
  ] as const) {
    it(`${ref.fixture}: --method ${method} --layer ${name}`, async () => {
      const out = await attributeCli(ref, '--layer', name, '--method', method, '--steps', String(ref.pathSteps));
      expect(out.values).toHaveLength(layer.channels);
      expect(relativeL2(out.values, method === 'path' ? layer.path : layer.simple)).toBeLessThan(BAR);
    });
  }

  it('a layer narrower than the default top-10 list lists all its channels', async () => {
    const mobilenet = references.find((r) => r.fixture === 'mobilenet-v2')!;
    const out = await attributeCli(mobilenet, '--layer', 'features.5', '--method', 'simple');
    expect(out.values).toHaveLength(8);
    expect(out.top).toHaveLength(8);
  });
});
