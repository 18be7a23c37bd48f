import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { relativeL2 } from '../../../helpers/fixtures.js';
import { loadReferences, onnxFile, onnxSha256, referenceInput, REQUIRED_OPERATORS } from './pytorch-fixtures.js';

// The fixtures themselves, before any importer touches them: each file is the one its reference
// was computed on, ONNX Runtime reproduces PyTorch's float64 logits from the product's own image
// decoding (so the script's copy of the resize is the product's), and together they contain every
// operator the importer must differentiate.
const references = loadReferences();

describe('PyTorch-exported ONNX fixtures', () => {
  it('cover the nine families, each under 2 MB', () => {
    expect(references.map((r) => r.fixture)).toEqual(
      expect.arrayContaining([
        'resnet',
        'densenet',
        'mobilenet-v2',
        'mobilenet-v3',
        'efficientnet',
        'convnext',
        'squeezenet',
        'vgg',
        'googlenet',
      ]),
    );
    for (const ref of references) {
      expect(statSync(onnxFile(ref)).size).toBeLessThan(2 * 1024 * 1024);
      expect(onnxSha256(ref), `${ref.fixture}: model.onnx is not the file its reference was computed on`).toBe(ref.modelSha256);
      expect(ref.layers).toHaveLength(2);
    }
  });

  it('contain every operator the importer must differentiate', () => {
    const seen = new Set(references.flatMap((r) => Object.keys(r.ops)));
    expect(REQUIRED_OPERATORS.filter((op) => !seen.has(op))).toEqual([]);
  });

  it.each(references.map((r) => [r.fixture, r] as const))(
    '%s: ONNX Runtime on the product-decoded image gives the PyTorch logits',
    async (_, ref) => {
      const session = await ort.InferenceSession.create(onnxFile(ref), { intraOpNumThreads: 1 });
      try {
        const input = new ort.Tensor('float32', referenceInput(ref), ref.input.shape);
        const output = await session.run({ [ref.input.name]: input });
        const logits = output[session.outputNames[0]].data as Float32Array;
        expect(logits.length).toBe(ref.numClasses);
        expect(relativeL2(logits, ref.logits)).toBeLessThan(1e-5);
      } finally {
        await session.release();
      }
    },
  );
});
