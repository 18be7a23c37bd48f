import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import p from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { attributeOnce, validateInput } from '../../../../server/engine/attribution/index.js';
import { ImportedOnnxExecutor } from '../../../../server/engine/onnx-import/imported-onnx-executor.js';
import { Labels } from '../../../../server/engine/labels.js';
import { importModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { REPO_ROOT, relativeL2 } from '../../../helpers/fixtures.js';

const { onnx } = p;

/**
 * One small classifier in every operator form the importer reads (test/fixtures/onnx-opsets,
 * made by its make_opsets.py): opsets 11, 13 and 17, a dynamic batch and size, no constant
 * folding, and opset 17 lifted here to 18 (ReduceMean's axes become an input). Each must give
 * PyTorch autograd's attributions at two layers.
 */
const DIR = resolve(REPO_ROOT, 'test', 'fixtures', 'onnx-opsets');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as {
  size: number;
  input: number[];
  block1: { simple: number[]; path: number[] };
  block2: { simple: number[]; path: number[] };
};
const work = mkdtempSync(join(tmpdir(), 'opsets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** opset17.onnx at opset 18: ReduceMean's `axes` attribute becomes its second input. */
function liftTo18(): string {
  const m = onnx.ModelProto.decode(readFileSync(join(DIR, 'opset17.onnx')));
  m.opsetImport = [{ domain: '', version: 18 }];
  for (const n of m.graph!.node!) {
    const axes = n.attribute?.find((a) => a.name === 'axes');
    if (n.opType !== 'ReduceMean' || !axes) continue;
    const name = `${n.name}_axes`;
    const values = (axes.ints ?? []).map(Number);
    m.graph!.initializer!.push({
      name,
      dims: [values.length],
      dataType: 7,
      rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
    });
    n.input = [n.input![0], name];
    n.attribute = n.attribute!.filter((a) => a !== axes);
  }
  const path = join(work, 'opset18.onnx');
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return path;
}

const variants: [string, () => string][] = [
  ...['opset11', 'opset13', 'opset17', 'dynamic', 'unfolded'].map((v): [string, () => string] => [v, () => join(DIR, `${v}.onnx`)]),
  ['opset18', liftTo18],
];

describe.each(variants)('%s', (name, file) => {
  it("gives PyTorch autograd's SIMPLE and PATH values at two layers", async () => {
    // The fixture's input is [0, 1]: rescale 1/255, no normalisation.
    const model = importModel(file(), { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], size: expected.size });
    expect(model.opset).toBe(
      name === 'opset18' ? 18 : name === 'opset11' ? 11 : name.startsWith('opset17') || name === 'dynamic' ? 17 : 13,
    );
    expect(model.graph.unbatchable).toBeUndefined();
    const executor = await ImportedOnnxExecutor.create(model, { threads: 1 });
    try {
      const labels = Labels.parse(model.labelsText);
      const image = Float32Array.from(expected.input);
      for (const layer of ['block1', 'block2'] as const) {
        for (const [method, steps] of [
          ['SIMPLE', 1],
          ['PATH', 8],
        ] as const) {
          const request = validateInput({ layer, class1: '1', class2: '4', method, steps, batchSize: 8 }, { labels, layers: model.layers });
          const r = await attributeOnce(executor, image, request);
          expect(relativeL2(r.values, expected[layer][method === 'SIMPLE' ? 'simple' : 'path']), `${layer} ${method}`).toBeLessThan(1e-4);
        }
      }
    } finally {
      executor.dispose();
    }
  });
});
