import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_LAYERS } from '../../../../server/engine/network/network.js';
import { layerRequest, validateInput, type AttributionInput, type AttributionResult } from '../../../../server/engine/attribution/index.js';
import { OnnxExecutor } from '../../../../server/engine/executors/onnx.js';
import type { RunResult } from '../../../../server/engine/engine.js';
import { EnginePool } from '../../../../server/workers/pool.js';
import { image224, sharedNetwork, wasmExecutor } from '../../../helpers/fixtures.js';

/** What a job's result is compared on: every number the user sees. */
const comparable = (
  r: Pick<
    AttributionResult,
    'values' | 'errors' | 'top' | 'bottom' | 'stepsDone' | 'settled' | 'relativeError' | 'completenessGap' | 'score' | 'baselineScore'
  >,
) => ({
  values: r.values,
  errors: r.errors,
  top: r.top,
  bottom: r.bottom,
  stepsDone: r.stepsDone,
  settled: r.settled,
  relativeError: r.relativeError,
  completenessGap: r.completenessGap,
  score: r.score,
  baselineScore: r.baselineScore,
});

describe('one forward pass for several layers', () => {
  let onnx: OnnxExecutor;
  beforeAll(async () => {
    onnx = await OnnxExecutor.create(sharedNetwork());
  });
  afterAll(() => onnx?.dispose());

  it('gives every layer the activations of its own forward pass, bit for bit (ONNX Runtime)', async () => {
    const image = image224('dog_cat_composite');
    const layers = [...ATTRIBUTION_LAYERS];
    const all = await onnx.activationsOf(image, layers);
    for (let i = 0; i < layers.length; i++) {
      const own = await onnx.activations(image, layers[i]);
      expect(all[i].length, layers[i]).toBe(own.length);
      expect(
        Buffer.compare(
          Buffer.from(all[i].buffer, all[i].byteOffset, all[i].byteLength),
          Buffer.from(own.buffer, own.byteOffset, own.byteLength),
        ),
        layers[i],
      ).toBe(0);
    }
  });

  it('gives every layer the activations of its own forward pass, bit for bit (tfjs wasm)', async () => {
    const tfjs = await wasmExecutor();
    const image = image224('chelsea_cat');
    const layers = ['mixed3b', 'mixed4d', 'mixed5a'];
    const all = await tfjs.activationsOf(image, layers);
    for (let i = 0; i < layers.length; i++) expect(Array.from(all[i])).toEqual(Array.from(await tfjs.activations(image, layers[i])));
  });
});

describe('validating several layers', () => {
  const ctx = () => ({ labels: pool.info.labels, layers: pool.info.layers });
  const input: AttributionInput = { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 24 };

  it('orders the layers from input to output, drops repeats, and reads "*" as all of them', () => {
    expect(validateInput({ ...input, layers: ['mixed5a', 'mixed3b', 'mixed5a'] }, ctx()).layers).toEqual(['mixed3b', 'mixed5a']);
    expect(validateInput({ ...input, layers: ['*'] }, ctx()).layers).toEqual([...ATTRIBUTION_LAYERS]);
    // One layer is a plain single-layer request.
    expect(validateInput({ ...input, layers: ['mixed4a'] }, ctx())).toEqual(validateInput({ ...input, layer: 'mixed4a' }, ctx()));
  });

  it('gives each layer exactly the request a job at that layer alone gets', () => {
    for (const extra of [
      {},
      { tolerance: 0.02, steps: 200 },
      { method: 'STOCHASTIC_PATH' as const, seed: 3 },
      { method: 'SIMPLE' as const },
    ]) {
      const multi = validateInput({ ...input, ...extra, layers: ['*'] }, ctx());
      for (const layer of ATTRIBUTION_LAYERS)
        expect(layerRequest(multi, layer)).toEqual(validateInput({ ...input, ...extra, layer }, ctx()));
    }
  });

  it('names the unknown layers, and refuses groups with several layers', () => {
    expect(() => validateInput({ ...input, layers: ['mixed4d', 'conv9', 'pool7'] }, ctx())).toThrow(/"conv9", "pool7"/);
    expect(() => validateInput({ ...input, layers: [] }, ctx())).toThrow(/empty/);
    expect(() => validateInput({ ...input, layers: ['*', 'mixed4d'] }, ctx())).toThrow(/alone/);
    expect(() => validateInput({ ...input, layers: ['mixed4d', 'mixed5a'], groups: 4 }, ctx())).toThrow(/one layer at a time/);
  });
});

let pool: EnginePool;
beforeAll(async () => {
  pool = await EnginePool.start({ size: 1, backend: 'onnx' });
});
afterAll(() => pool?.close());

describe('a multi-layer run', () => {
  const runAll = async (request: ReturnType<typeof validateInput>, layers: string[]) => {
    const results = new Map<string, RunResult>();
    const seen = new Map<string, number[]>();
    await pool.runLayers(image224('dog_cat_composite'), request, layers, {
      onSnapshot: (layer, s) => seen.set(layer, [...(seen.get(layer) ?? []), s.stepsDone]),
      onLayerDone: (layer, r) => results.set(layer, r),
    });
    return { results, seen };
  };

  it.each([
    ['PATH, left Riemann', { method: 'PATH' as const, steps: 20, chunkSteps: 5 }],
    ['PATH with a tolerance (the default nested rule)', { method: 'PATH' as const, steps: 64, tolerance: 0.05 }],
    ['STOCHASTIC_PATH', { method: 'STOCHASTIC_PATH' as const, steps: 12, seed: 7 }],
  ])("equals each layer's single-layer run bit for bit: %s", async (_name, extra) => {
    const input: AttributionInput = { layer: 'mixed4d', class1: 'Pekinese', class2: 'tiger cat', ...extra };
    const layers = ['mixed3b', 'mixed4d', 'mixed5a'];
    const request = validateInput({ ...input, layers }, { labels: pool.info.labels, layers: pool.info.layers });
    const { results, seen } = await runAll(request, layers);
    expect([...results.keys()]).toEqual(layers);
    for (const layer of layers) {
      const single = await pool.run(
        image224('dog_cat_composite'),
        validateInput({ ...input, layer }, { labels: pool.info.labels, layers: pool.info.layers }),
      );
      const multi = results.get(layer)!;
      expect(comparable(multi), layer).toEqual(comparable(single));
      expect(Array.from(multi.spatial.data), layer).toEqual(Array.from(single.spatial.data));
      expect(seen.get(layer)!.at(-1)).toBe(single.stepsDone);
    }
  });
});
