import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import p from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../../server/errors/engine-error.js';
import { resolveLayer } from '../../../../server/engine/layer-info.js';
import { loadModel } from '../../../../server/engine/load-model.js';
import { importModel } from '../../../../server/engine/onnx-import/imported-model.js';
import { FIXTURES_DIR } from './pytorch-fixtures.js';

const { onnx } = p;

/**
 * Every kind of bad model the importer must refuse with one clear sentence, reading nothing
 * outside the model's folder. Each case is a small PyTorch export (test/fixtures/onnx-models)
 * with one thing broken, written to a fresh folder.
 */
const SOURCE = resolve(FIXTURES_DIR, 'squeezenet');
const work = mkdtempSync(join(tmpdir(), 'bad-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const decode = () => onnx.ModelProto.decode(readFileSync(join(SOURCE, 'model.onnx')));
let made = 0;

/** A folder holding `model.onnx` (the bytes given, or the fixture edited by `edit`), with the fixture's configs unless `bare`. */
function folder(contents: Uint8Array | ((m: p.onnx.ModelProto) => void), options: { bare?: boolean } = {}): string {
  const dir = join(work, `case-${made++}`);
  mkdirSync(dir);
  let bytes: Uint8Array;
  if (contents instanceof Uint8Array) bytes = contents;
  else {
    const m = decode();
    contents(m);
    bytes = onnx.ModelProto.encode(m).finish();
  }
  writeFileSync(join(dir, 'model.onnx'), bytes);
  if (!options.bare) for (const f of ['config.json', 'preprocessor_config.json']) copyFileSync(join(SOURCE, f), join(dir, f));
  return dir;
}

function refusal(run: () => unknown): EngineError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    const err = e as EngineError;
    // One line, meant for a person.
    expect(err.message).not.toContain('\n');
    expect(err.message.length).toBeLessThan(400);
    return err;
  }
  throw new Error('expected a refusal');
}

const expectBadModel = (path: string, message: RegExp, options = {}) => {
  const err = refusal(() => importModel(path, options));
  expect(err.code).toBe('BAD_MODEL');
  expect(err.message).toMatch(message);
  return err;
};

const firstWeight = (m: p.onnx.ModelProto) => m.graph!.initializer!.find((t) => (t.dims ?? []).length === 4)!;

describe('a model the importer refuses, with one sentence', () => {
  it('a file that is not ONNX', () => {
    expectBadModel(folder(new TextEncoder().encode('These are my notes, not a neural network.\n'.repeat(20))), /not an ONNX model/);
  });

  it('a truncated protobuf', () => {
    const bytes = readFileSync(join(SOURCE, 'model.onnx'));
    expectBadModel(folder(bytes.subarray(0, Math.floor(bytes.length / 2))), /not an ONNX model, or it is truncated/);
  });

  it('an empty file, a folder without model.onnx, a path that is not there', () => {
    expectBadModel(folder(new Uint8Array(0)), /empty/);
    const empty = join(work, 'no-model');
    mkdirSync(empty);
    expectBadModel(empty, /has no model\.onnx/);
    expectBadModel(join(work, 'nowhere'), /No model at/);
  });

  const external = (location: string) =>
    folder((m) => {
      const t = firstWeight(m);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [{ key: 'location', value: location }];
    });

  it('external data at an absolute path, or outside the folder through .. or a link', () => {
    expectBadModel(external('/etc/passwd'), /absolute path/);
    expectBadModel(external('../../weights.bin'), /outside the model's folder/);
    const outside = join(work, 'outside.bin');
    writeFileSync(outside, new Uint8Array(1 << 16));
    const linked = external('weights.bin');
    symlinkSync(outside, join(linked, 'weights.bin'));
    expectBadModel(linked, /links outside the model's folder/);
  });

  it('external data inside the folder is read (and must hold the tensor)', () => {
    const dir = folder((m) => {
      const t = firstWeight(m);
      writeFileSync(join(work, 'pending.bin'), t.rawData!);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [{ key: 'location', value: 'weights/conv.bin' }];
    });
    mkdirSync(join(dir, 'weights'));
    copyFileSync(join(work, 'pending.bin'), join(dir, 'weights', 'conv.bin'));
    expect(importModel(dir).layers.length).toBeGreaterThan(0);
    writeFileSync(join(dir, 'weights', 'conv.bin'), new Uint8Array(8));
    expectBadModel(dir, /holds 8 bytes|runs past the end/);
  });

  it('a model over MAX_MODEL_BYTES', () => {
    const err = expectBadModel(SOURCE, /over the 0 MB limit \(MAX_MODEL_BYTES\)/, { maxBytes: 50_000 });
    expect(err.details).toMatchObject({ limit: 50_000 });
  });

  it('an input that is not one image tensor, or several inputs', () => {
    expectBadModel(
      folder((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim = [{ dimValue: 1 }, { dimValue: 150528 }];
      }),
      /input pixel_values is FLOAT \[1, 150528\]; an image classifier reads one float32 image tensor/,
    );
    expectBadModel(
      folder((m) => {
        m.graph!.input!.push({ name: 'mask', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } });
      }),
      /has 2 inputs \(pixel_values, mask\)/,
    );
    expectBadModel(
      folder((m) => {
        m.graph!.input![0].type!.tensorType!.shape!.dim![1] = { dimValue: 1 };
      }),
      /not an RGB image/,
    );
  });

  it('spatial dimensions that are dynamic and not fixed by size', () => {
    const dynamic = (m: p.onnx.ModelProto) => {
      const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!;
      dims[2] = { dimParam: 'height' };
      dims[3] = { dimParam: 'width' };
    };
    expectBadModel(folder(dynamic, { bare: true }), /height and width are dynamic and nothing fixes them: pass --size N/);
    // Fixed by --size, or by the folder's preprocessor_config.json.
    expect(importModel(folder(dynamic, { bare: true }), { size: 112 }).inputSize).toBe(112);
    expect(importModel(folder(dynamic)).inputSize).toBe(112);
  });

  it('an operator in a custom domain', () => {
    const err = expectBadModel(
      folder((m) => {
        m.graph!.node!.find((n) => n.opType === 'Relu')!.domain = 'com.example.fast';
      }),
      /is Relu from the custom operator domain "com\.example\.fast"/,
    );
    expect(err.details).toMatchObject({ domain: 'com.example.fast' });
  });

  it('a cycle', () => {
    expectBadModel(
      folder((m) => {
        const nodes = m.graph!.node!;
        const conv = nodes.find((n) => n.opType === 'Conv')!;
        conv.input![0] = nodes[nodes.length - 1].output![0];
      }),
      /has a cycle through node/,
    );
  });

  it('an operator without a rule, named with its node', () => {
    const err = expectBadModel(
      folder((m) => {
        m.graph!.node!.find((n) => n.opType === 'Relu')!.opType = 'Celu';
      }),
      /Operator Celu \(node \/features\/features\.1\/Relu\) has no rule in the importer's operator table/,
    );
    expect(err.details).toMatchObject({ op: 'Celu' });
  });

  it('an output that is not a vector of logits', () => {
    expectBadModel(
      folder((m) => {
        const g = m.graph!;
        const relu = g.node!.find((n) => n.opType === 'Relu')!;
        g.output = [{ name: relu.output![0], type: { tensorType: { elemType: 1 } } }];
      }),
      /has shape \[1, 16, 55, 55\], not a vector of logits \[1, classes\]/,
    );
  });

  it('a graph ONNX Runtime refuses', async () => {
    const dir = folder((m) => {
      const relu = m.graph!.node!.find((n) => n.opType === 'Relu')!;
      relu.attribute = [{ name: 'speed', type: onnx.AttributeProto.AttributeType.INT, i: 11 }];
    });
    const err = await loadModel({ model: { path: dir }, backend: 'onnx', threads: 1 }).then(
      () => undefined,
      (e) => e as EngineError,
    );
    expect(err?.code).toBe('BAD_MODEL');
    expect(err?.message).toMatch(/^ONNX Runtime refuses the model case-\d+: .*speed/);
    expect(err?.message).not.toContain('\n');
  });
});

describe('layer names a request may not use', () => {
  const model = importModel(SOURCE);

  it('an unknown layer lists the 5 nearest names', () => {
    const err = refusal(() => resolveLayer(model.layers, 'features.33'));
    expect(err.code).toBe('UNKNOWN_LAYER');
    const valid = err.details.valid as string[];
    expect(valid).toHaveLength(5);
    expect(valid[0]).toBe('features.3');
    expect(err.message).toContain('Closest: features.3');
  });

  it('a layer a skip connection bypasses is refused, naming the bypassing node', () => {
    // Inside a Fire module the two expand branches run side by side: each bypasses the other.
    const err = refusal(() => resolveLayer(model.layers, '/features/features.3/expand1x1_activation/Relu_output_0'));
    expect(err.code).toBe('BAD_ARGUMENT');
    expect(err.message).toMatch(
      /is bypassed by a skip connection or a parallel branch: node \/features\/features\.3\/expand3x3\/Conv reads \/features\/features\.3\/squeeze_activation\/Relu_output_0 computed before it, .* Choose a block output such as features\.3\./,
    );
    expect(err.details).toMatchObject({ bypassedBy: '/features/features.3/expand3x3/Conv' });
  });

  it('module paths and tensor names name the same layer', () => {
    const a = resolveLayer(model.layers, 'features.4');
    expect(resolveLayer(model.layers, a.tensor!)).toBe(a);
    expect(a.tensor).toBe('/features/features.4/Concat_output_0');
  });
});
