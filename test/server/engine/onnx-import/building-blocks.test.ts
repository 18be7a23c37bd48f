import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateLayerToLayer } from '../../../../server/engine/building-blocks/layer-to-layer-attribution.js';
import { datasetExamples } from '../../../../server/engine/dataset-examples.js';
import { ImportedOnnxExecutor } from '../../../../server/engine/onnx-import/imported-onnx-executor.js';
import { createInputGradientEngine, renderChannels, type InputGradientEngine } from '../../../../server/engine/feature-vis/index.js';
import { decodeImage } from '../../../../server/engine/images.js';
import { importModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { findLayer } from '../../../../server/engine/layer-info.js';
import { BuildingBlocksWorker } from '../../../../server/workers/building-blocks-handlers.js';
import { REPO_ROOT } from '../../../helpers/fixtures.js';
import { FIXTURES_DIR, loadReferences } from './pytorch-fixtures.js';

/**
 * The article's other building blocks on an imported model, through the same worker code the
 * built-in model uses: nothing in them may assume GoogLeNet (its layer names, 224 px, 1000
 * classes). The small ResNet export: 10 classes, layers named by module path.
 */
const ref = loadReferences().find((r) => r.fixture === 'resnet')!;
let executor: ImportedOnnxExecutor;
let inputGradients: Promise<InputGradientEngine>;
let blocks: BuildingBlocksWorker;
let pixels: Float32Array;
const layer = ref.layers[0];
const score = { class1: { kind: 'class' as const, index: ref.class1.index }, class2: { kind: 'class' as const, index: ref.class2.index } };

beforeAll(async () => {
  executor = await ImportedOnnxExecutor.create(importModel(resolve(FIXTURES_DIR, ref.model)), { threads: 1 });
  inputGradients = createInputGradientEngine(executor, 1);
  blocks = new BuildingBlocksWorker(executor, () => inputGradients);
  pixels = decodeImage(readFileSync(resolve(REPO_ROOT, ref.image)), executor.model.inputSize).pixels;
});
afterAll(async () => {
  executor?.dispose();
  await (await inputGradients)?.dispose();
});

describe('building blocks on an imported model', () => {
  it('neuron groups, with the linear attribution to each group', async () => {
    const { groups, attribution } = await blocks.groups(pixels, { layer: layer.module, groups: 3, seed: 0, score });
    expect(groups.channelFactors).toHaveLength(3);
    expect(groups.channelFactors[0]).toHaveLength(layer.channels);
    expect(groups.spatial[0]).toHaveLength(layer.height * layer.width);
    expect(attribution).toHaveLength(3);
  });

  it("the semantic dictionary and class-to-position attribution (which sums to PyTorch's SIMPLE values)", async () => {
    const grid = await blocks.dictionary(pixels, { layer: layer.tensor, first: 4 });
    expect([grid.height, grid.width, grid.channels]).toEqual([layer.height, layer.width, layer.channels]);
    expect(grid.positions).toHaveLength(layer.height * layer.width);
    const map = await blocks.classSpatial(pixels, { layer: layer.module, score });
    expect(map.values).toHaveLength(layer.height * layer.width);
    const total = map.values.reduce((a, b) => a + b, 0);
    const simple = layer.simple.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - simple)).toBeLessThan(1e-3 * Math.max(1, Math.abs(simple)));
  });

  it('layer-to-layer attribution between two of its layers, and dataset examples', async () => {
    const at = (l: (typeof ref.layers)[number]) => executor.model.layers.indexOf(findLayer(executor.model.layers, l.module)!);
    const [earlier, later] = [...ref.layers].sort((a, b) => at(a) - at(b));
    const request = validateLayerToLayer(executor.model.layers, earlier.module, later.module, [{ x: 1, y: 2 }]);
    const maps = await blocks.layerToLayer(pixels, request);
    expect([maps.fromHeight, maps.fromWidth, maps.toHeight, maps.toWidth]).toEqual([
      earlier.height,
      earlier.width,
      later.height,
      later.width,
    ]);
    expect(maps.maps[0].values.some((v) => v !== 0)).toBe(true);
    const examples = await datasetExamples(executor, [{ id: 'photo', pixels }], layer.module, 1);
    expect(examples).toHaveLength(layer.channels);
    expect(examples[0][0]).toMatchObject({ image: 'photo' });
  });

  it('feature visualization renders its channels', async () => {
    const sprites = await renderChannels(await inputGradients, { layer: layer.module, channels: [0, 1], size: 32, steps: 3, seed: 1 });
    expect(sprites).toHaveLength(2);
    expect(sprites[0].rgb.length).toBe(32 * 32 * 3);
  });
});
