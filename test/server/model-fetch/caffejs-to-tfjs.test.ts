import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../server/model-fetch/caffejs-manifest.js';
import { convertCaffejsToTfjs, type CaffejsSource } from '../../../server/model-fetch/caffejs-to-tfjs.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';
import { caffejsFixture } from './caffejs-mirror.js';

const m = loadManifest();
const source = (patch: (path: string, b: Buffer) => Buffer = (_, b) => b, labels?: Buffer): CaffejsSource => {
  const files = caffejsFixture();
  return {
    weightFile: (p) => patch(p, files.get(m.source.weightsDir + p)!),
    synsetWords: labels ?? files.get(m.source.labelsPath)!,
  };
};

describe('convertCaffejsToTfjs', () => {
  const folder = convertCaffejsToTfjs(source());

  it('reproduces every shard, labels.txt and layers.json of the shared model bit for bit', () => {
    const names = [...folder.keys()].filter((n) => n !== 'model.json');
    expect(names.length).toBe(11);
    for (const name of names) expect(folder.get(name)!.equals(readFileSync(join(MODEL_DIR, name))), name).toBe(true);
  });

  it('writes model.json equal to the shared one except for convertedBy, which names this converter', () => {
    const ours = JSON.parse(folder.get('model.json')!.toString('utf8'));
    const theirs = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));
    expect(ours.convertedBy).toMatch(/model:fetch/);
    expect({ ...ours, convertedBy: theirs.convertedBy }).toEqual(theirs);
  });

  it('with the shared convertedBy, hashes to PROVENANCE.md’s model.json sha256', () => {
    const same = convertCaffejsToTfjs(source(), { convertedBy: m.output.referenceConvertedBy }).get('model.json')!;
    expect(createHash('sha256').update(same).digest('hex')).toBe('a077b574b27d21899befb2796992de07051f64b3227a01c15a54e1c90769bf9c');
  });

  it('rejects a truncated bias file and a short labels file with the file named', () => {
    expect(() => convertCaffejsToTfjs(source((p, b) => (p === 'inception_4d/3x3_bias.bin' ? b.subarray(4) : b)))).toThrow(
      /inception_4d\/3x3_bias\.bin: a bias of 288 float32 has 1152 bytes, got 1148/,
    );
    expect(() => convertCaffejsToTfjs(source((p, b) => (p === 'loss3/classifier_filter.bin' ? b.subarray(0, 100) : b)))).toThrow(
      /loss3\/classifier_filter\.bin/,
    );
    const labels = Buffer.from(caffejsFixture().get(m.source.labelsPath)!.toString('utf8').split('\n').slice(1).join('\n'));
    expect(() => convertCaffejsToTfjs(source(undefined, labels))).toThrow(/1000 "nXXXXXXXX name" lines; it has 999/);
  });
});
