import { cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateModelDir, readModelFiles } from '../../../../server/engine/network/model-source.js';
import { describeNetwork } from '../../../../server/engine/network/network.js';
import { MODEL_DIR } from '../../../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'model-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copy(name: string) {
  const dir = join(tmp, name);
  cpSync(MODEL_DIR, dir, { recursive: true });
  return dir;
}

describe('model loading', () => {
  it('reads the shared model into a description with every layer sized', () => {
    const net = describeNetwork(readModelFiles(MODEL_DIR));
    const byName = Object.fromEntries(net.layers.map((l) => [l.name, l]));
    expect(byName.mixed4d).toMatchObject({ channels: 528, height: 14, width: 14 });
    expect(byName.mixed3a).toMatchObject({ channels: 256, height: 28, width: 28 });
    expect(byName.mixed5b).toMatchObject({ channels: 1024, height: 7, width: 7 });
    expect(net.layers.every((l) => l.name && l.channels > 0 && l.height > 0 && l.width > 0)).toBe(true);
  });

  it('MODEL_DIR that does not exist: one sentence saying where it looked and what to set', () => {
    expect(() => locateModelDir(join(tmp, 'nowhere'))).toThrow(/No model.json in MODEL_DIR=.*nowhere.*point MODEL_DIR/);
  });

  it('a missing shard, a truncated shard, a damaged shard and bad JSON are MODEL_CORRUPT with a clear message', () => {
    const missing = copy('missing');
    rmSync(join(missing, 'group1-shard3of9.bin'));
    expect(() => readModelFiles(missing)).toThrow(/group1-shard3of9.bin is missing/);

    const truncated = copy('truncated');
    truncateSync(join(truncated, 'group1-shard9of9.bin'), 1000);
    expect(() => readModelFiles(truncated)).toThrow(/truncated/);

    const damaged = copy('damaged');
    const shard = join(damaged, 'group1-shard1of9.bin');
    const bytes = Buffer.alloc(3145728, 7);
    writeFileSync(shard, bytes);
    expect(() => readModelFiles(damaged)).toThrow(/sha256/);

    const badJson = copy('bad-json');
    writeFileSync(join(badJson, 'model.json'), '{ "format": ');
    expect(() => readModelFiles(badJson)).toThrow(/broken model.json/);
  });
});
