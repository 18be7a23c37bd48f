import { describe, expect, it } from 'vitest';
import type { ModelRef } from '../../../server/engine/model-ref.js';
import { LoadedModels } from '../../../server/workers/loaded-models.js';

const ref = (id: string, fingerprint = 'f'): ModelRef => ({ id, path: `/m/${id}`, format: 'onnx', fingerprint });

function harness(capacity: number) {
  const loads: string[] = [];
  const disposed: string[] = [];
  const models = new LoadedModels(capacity, async (r) => {
    loads.push(`${r.id}@${r.fingerprint}`);
    if (r.id === 'broken') throw new Error('cannot load');
    return { id: r.id, dispose: () => void disposed.push(`${r.id}@${r.fingerprint}`) };
  });
  return { models, loads, disposed };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('LoadedModels', () => {
  it('loads a model once, and unloads the least recently used beyond its capacity', async () => {
    const { models, loads, disposed } = harness(2);
    await models.use(ref('a'), () => undefined);
    await models.use(ref('b'), () => undefined);
    await models.use(ref('a'), () => undefined);
    expect(loads).toEqual(['a@f', 'b@f']);
    await models.use(ref('c'), () => undefined);
    await tick();
    expect(disposed).toEqual(['b@f']);
    expect(models.keys()).toEqual(['a@f', 'c@f']);
    await models.use(ref('b'), () => undefined);
    expect(loads).toEqual(['a@f', 'b@f', 'c@f', 'b@f']);
  });

  it('never unloads a model in use: it goes over capacity until the work ends', async () => {
    const { models, disposed } = harness(1);
    let release!: () => void;
    const long = models.use(ref('a'), () => new Promise<void>((r) => (release = r)));
    await tick();
    await models.use(ref('b'), () => undefined);
    await tick();
    expect(disposed).toEqual(['b@f']); // b was the one not in use
    expect(models.keys()).toEqual(['a@f']);
    release();
    await long;
    await models.use(ref('c'), () => undefined);
    await tick();
    expect(disposed).toEqual(['b@f', 'a@f']);
  });

  it('keys by fingerprint: a changed model loads afresh; a failed load is not kept', async () => {
    const { models, loads } = harness(3);
    await models.use(ref('a', '1'), () => undefined);
    await models.use(ref('a', '2'), () => undefined);
    expect(loads).toEqual(['a@1', 'a@2']);
    await expect(models.use(ref('broken'), () => undefined)).rejects.toThrow('cannot load');
    await expect(models.use(ref('broken'), () => undefined)).rejects.toThrow('cannot load');
    expect(loads.filter((l) => l === 'broken@f')).toHaveLength(2);
  });

  it('forgets every version of a deleted model that is not in use', async () => {
    const { models, disposed } = harness(5);
    await models.use(ref('a', '1'), () => undefined);
    await models.use(ref('a', '2'), () => undefined);
    await models.use(ref('b'), () => undefined);
    models.forget('a');
    await tick();
    expect(disposed.sort()).toEqual(['a@1', 'a@2']);
    expect(models.keys()).toEqual(['b@f']);
  });
});
