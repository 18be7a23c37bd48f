import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../server/errors/engine-error.js';
import { ModelError } from '../../../server/errors/model-error.js';
import { ModelRegistry, type UploadedFile } from '../../../server/models/model-registry.js';
import { fingerprintOf } from '../../../server/engine/model-ref.js';

const upload = (name: string, text: string): UploadedFile => {
  const bytes = new TextEncoder().encode(text);
  return { name, size: bytes.length, stream: () => new Blob([bytes]).stream() };
};

let root: string;
let modelsDir: string;
const registry = (opts: Partial<{ maxModels: number; maxModelBytes: number }> = {}) =>
  new ModelRegistry({ builtinDir: join(root, 'builtin'), modelsDir, maxModels: 20, maxModelBytes: 1000, ...opts });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'registry-'));
  modelsDir = join(root, 'models');
  mkdirSync(join(root, 'builtin'));
  writeFileSync(join(root, 'builtin', 'model.json'), '{}');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function modelFolder(id: string, files: Record<string, string> = { 'model.onnx': 'x' }) {
  mkdirSync(join(modelsDir, id), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(modelsDir, id, name), text);
}

describe('ModelRegistry', () => {
  it('lists the built-in model first, then the model folders and bare .onnx files of MODELS_DIR by id', () => {
    const r = registry();
    modelFolder('resnet18');
    modelFolder('alexnet');
    writeFileSync(join(modelsDir, 'squeeze.onnx'), 'x');
    modelFolder('.staging-123'); // an import in progress
    modelFolder('no-model', { 'config.json': '{}' }); // not a model folder
    modelFolder('bad id with spaces');
    modelFolder('googlenet-bvlc'); // the built-in's id is taken
    writeFileSync(join(modelsDir, 'notes.txt'), 'x');
    const list = r.list();
    expect(list.map((m) => [m.id, m.format])).toEqual([
      ['googlenet-bvlc', 'builtin'],
      ['alexnet', 'onnx'],
      ['resnet18', 'onnx'],
      ['squeeze', 'onnx'],
    ]);
    expect(list[0].path).toBe(join(root, 'builtin'));
    expect(list[3].path).toBe(join(modelsDir, 'squeeze.onnx'));
  });

  it('resolves no id to the built-in model, and an unknown id to UNKNOWN_MODEL listing the ids there are', () => {
    const r = registry();
    modelFolder('resnet18');
    expect(r.resolve().id).toBe('googlenet-bvlc');
    expect(r.resolve('resnet18').path).toBe(join(modelsDir, 'resnet18'));
    const e = (() => {
      try {
        r.resolve('vgg');
      } catch (error) {
        return error as EngineError;
      }
    })()!;
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe('UNKNOWN_MODEL');
    expect(e.message).toBe('Unknown model "vgg": the models are googlenet-bvlc, resnet18.');
    expect(e.details).toEqual({ valid: ['googlenet-bvlc', 'resnet18'] });
  });

  it("changes a model's fingerprint when its files change, not otherwise", () => {
    modelFolder('m', { 'model.onnx': 'abc', 'config.json': '{}' });
    const dir = join(modelsDir, 'm');
    const before = fingerprintOf(dir);
    expect(fingerprintOf(dir)).toBe(before);
    writeFileSync(join(dir, 'model.onnx'), 'abcd');
    expect(fingerprintOf(dir)).not.toBe(before);
    const t = new Date(2020, 1, 1);
    utimesSync(join(dir, 'config.json'), t, t);
    const touched = fingerprintOf(dir);
    expect(touched).not.toBe(before);
  });

  it('stages an upload under the names the engine reads, then moves it into place in one rename', async () => {
    const r = registry();
    const staged = await r.stage({
      model: upload('resnet18.onnx', 'onnx bytes'),
      config: upload('config.json', '{"id2label":{}}'),
      preprocessorConfig: upload('preprocessor_config.json', '{}'),
      externalData: [upload('resnet18.onnx.data', 'weights')],
    });
    expect(readdirSync(staged).sort()).toEqual(['config.json', 'model.onnx', 'preprocessor_config.json', 'resnet18.onnx.data']);
    expect(r.list().map((m) => m.id)).toEqual(['googlenet-bvlc']); // staged is not listed
    const ref = r.commit(staged, 'resnet18');
    expect(ref).toMatchObject({ id: 'resnet18', format: 'onnx', path: join(modelsDir, 'resnet18') });
    expect(readFileSync(join(modelsDir, 'resnet18', 'model.onnx'), 'utf8')).toBe('onnx bytes');
    expect(readdirSync(modelsDir)).toEqual(['resnet18']);
    await r.discard(staged); // after a commit, nothing to remove
    expect(r.list().map((m) => m.id)).toEqual(['googlenet-bvlc', 'resnet18']);
  });

  it('refuses an upload over MAX_MODEL_BYTES, at MAX_MODELS, or with bad file names, and leaves nothing behind', async () => {
    const small = registry({ maxModelBytes: 10 });
    await expect(small.stage({ model: upload('m.onnx', 'x'.repeat(11)) })).rejects.toMatchObject({
      code: 'MODEL_TOO_LARGE',
      httpStatus: 413,
      message: "The model upload is 11 bytes, over this server's limit of 10 bytes (MAX_MODEL_BYTES).",
      details: { maxModelBytes: 10 },
    });
    modelFolder('one');
    await expect(registry({ maxModels: 1 }).stage({ model: upload('m.onnx', 'x') })).rejects.toThrow(ModelError);
    await expect(registry({ maxModels: 1 }).stage({ model: upload('m.onnx', 'x') })).rejects.toMatchObject({ code: 'TOO_MANY_MODELS' });
    await expect(registry().stage({ model: upload('weights.bin', 'x') })).rejects.toMatchObject({ code: 'BAD_MODEL' });
    for (const bad of ['../escape', 'model.onnx', 'sub/dir.data', '']) {
      await expect(registry().stage({ model: upload('m.onnx', 'x'), externalData: [upload(bad, 'x')] })).rejects.toMatchObject({
        code: 'BAD_MODEL',
      });
    }
    expect(readdirSync(modelsDir)).toEqual(['one']);
  });

  it('refuses a taken or malformed id, and suggests free ones', async () => {
    const r = registry();
    modelFolder('resnet18');
    expect(() => r.checkNewId('resnet18')).toThrow(expect.objectContaining({ code: 'MODEL_EXISTS' }));
    expect(() => r.checkNewId('googlenet-bvlc')).toThrow(expect.objectContaining({ code: 'MODEL_EXISTS' }));
    for (const bad of ['../x', '.hidden', 'a/b', '', 'x'.repeat(65)])
      expect(() => r.checkNewId(bad)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(r.suggestId('resnet18.onnx')).toBe('resnet18-2');
    expect(r.suggestId('model.onnx')).toBe('model');
    expect(r.suggestId('My Net (v2).onnx')).toBe('My-Net-v2');
    const staged = await r.stage({ model: upload('m.onnx', 'x') });
    expect(() => r.commit(staged, 'resnet18')).toThrow(expect.objectContaining({ code: 'MODEL_EXISTS' }));
    await r.discard(staged);
    expect(readdirSync(modelsDir)).toEqual(['resnet18']);
  });

  it('deletes an imported model, never the built-in one', async () => {
    const r = registry();
    modelFolder('resnet18');
    await expect(r.remove('googlenet-bvlc')).rejects.toMatchObject({ code: 'MODEL_IN_USE' });
    await r.remove('resnet18');
    expect(readdirSync(modelsDir)).toEqual([]);
    await expect(r.remove('resnet18')).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });

  it('removes the trash of an unfinished delete at start, and staging folders only once they are old', () => {
    modelFolder('.trash-1');
    modelFolder('.staging-fresh');
    modelFolder('.staging-old');
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(modelsDir, '.staging-old'), old, old);
    registry();
    expect(readdirSync(modelsDir).sort()).toEqual(['.staging-fresh']);
  });
});
