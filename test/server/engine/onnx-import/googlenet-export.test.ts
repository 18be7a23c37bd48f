import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOnce, validateInput, type AttributionMethod } from '../../../../server/engine/attribution/index.js';
import { ImportedOnnxExecutor } from '../../../../server/engine/onnx-import/imported-onnx-executor.js';
import { OnnxExecutor } from '../../../../server/engine/executors/onnx.js';
import { Labels } from '../../../../server/engine/labels.js';
import { describeBuiltin } from '../../../../server/engine/network/network.js';
import { importModel, type ImportedModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { image224, relativeL2, SHARED, sharedNetwork } from '../../../helpers/fixtures.js';

/**
 * The oracle of the importer as a whole: ../shared/models/googlenet-bvlc-onnx is the built-in
 * network written by PyTorch's exporter (opset 17: LRN, a Pad whose amounts a shape subgraph
 * computes, Conv then Add, MatMul), so at mixed4d it must give the built-in model's
 * attributions, for every method. The built-in ONNX executor is itself checked against tf.grad
 * (test/server/engine/executors/onnx.test.ts).
 */
const EXPORT = resolve(SHARED, 'models', 'googlenet-bvlc-onnx');

let model: ImportedModel;
let imported: ImportedOnnxExecutor;
let builtin: OnnxExecutor;

beforeAll(async () => {
  model = importModel(EXPORT, { imagenetLabels: sharedNetwork().labelsText });
  [imported, builtin] = await Promise.all([ImportedOnnxExecutor.create(model), OnnxExecutor.create(sharedNetwork())]);
});
afterAll(() => {
  imported?.dispose();
  builtin?.dispose();
});

describe('the shared GoogLeNet export, imported', () => {
  it('is described like the built-in model: input, classes, the mixed layers by module path and tensor name', () => {
    expect(model.inputSize).toBe(224);
    expect(model.classes).toBe(1000);
    expect(model.notes).toEqual([]);
    expect(Labels.parse(model.labelsText).resolve('Labrador retriever').term).toEqual({ kind: 'class', index: 208 });
    const mixed4d = model.layers.find((l) => l.name === 'mixed4d')!;
    expect(mixed4d).toMatchObject({ tensor: '/mixed4d/Concat_output_0', channels: 528, height: 14, width: 14, listed: true });
    for (const l of describeBuiltin(sharedNetwork()).layers) {
      expect(
        model.layers.find((x) => x.name === l.name),
        l.name,
      ).toMatchObject({ channels: l.channels, height: l.height, width: l.width });
    }
    // Inside an inception block, the branches bypass one another.
    expect(model.layers.find((l) => l.tensor === '/mixed4d/Relu_output_0')?.bypassedBy).toBeTruthy();
  });

  it('predicts what the built-in model predicts', async () => {
    const image = image224('dog_cat_composite');
    expect(relativeL2(await imported.imageLogits(image), await builtin.imageLogits(image))).toBeLessThan(1e-5);
  });

  it("gives the built-in model's layer-to-layer gradients (mixed4d -> mixed5a) and several layers' activations in one pass", async () => {
    const image = image224('dog_cat_composite');
    const acts = await builtin.activations(image, 'mixed4d');
    const seeds = Float32Array.from({ length: 2 * 7 * 7 * 832 }, (_, i) => Math.sin(i * 0.01));
    const pair = new Float32Array(2 * acts.length);
    pair.set(acts);
    pair.set(
      acts.map((v) => v * 0.5),
      acts.length,
    );
    const a = await imported.layerGradients('mixed4d', 'mixed5a', pair, seeds, 2);
    const b = await builtin.layerGradients('mixed4d', 'mixed5a', pair, seeds, 2);
    expect(relativeL2(a.later, b.later)).toBeLessThan(1e-5);
    expect(
      relativeL2(
        a.grads.map((g, i) => g * pair[i]),
        b.grads.map((g, i) => g * pair[i]),
      ),
    ).toBeLessThan(1e-4);
    const [x, y] = await imported.activationsOf(image, ['mixed3b', '/mixed4d/Concat_output_0']);
    expect(relativeL2(x, await builtin.activations(image, 'mixed3b'))).toBeLessThan(1e-5);
    expect(relativeL2(y, acts)).toBeLessThan(1e-5);
  });

  const methods: [AttributionMethod, number][] = [
    ['SIMPLE', 1],
    ['PATH', 20],
    ['STOCHASTIC_PATH', 12],
  ];
  for (const [method, steps] of methods) {
    for (const layer of ['mixed4d', '/mixed4d/Concat_output_0']) {
      it(`${method} at ${layer} equals the built-in model's within 1e-4 relative L2`, async () => {
        const input = { layer, class1: 'Labrador retriever', class2: 'tiger cat', method, steps, seed: 7, batchSize: 6 };
        const labels = Labels.parse(sharedNetwork().labelsText);
        const image = image224('dog_cat_composite');
        const a = await attributeOnce(imported, image, validateInput(input, { labels, layers: model.layers }));
        const b = await attributeOnce(
          builtin,
          image,
          validateInput({ ...input, layer: 'mixed4d' }, { labels, layers: builtin.model.layers }),
        );
        expect(a.layer).toBe('mixed4d');
        expect(a.values).toHaveLength(528);
        expect(relativeL2(a.values, b.values)).toBeLessThan(1e-4);
        expect(Math.abs(a.score - b.score)).toBeLessThan(1e-4);
      });
    }
  }
});
