import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, weightFiles } from '../../../server/model-fetch/caffejs-manifest.js';
import { biasFile, filterFile, paramLayers } from '../../../server/model-fetch/googlenet-architecture.js';
import { buildGoogLeNetGraph } from '../../../server/model-fetch/graph-def.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';

const shared = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));

describe('GoogLeNet architecture table', () => {
  it('names the 116 caffejs files and 27,994,208 bytes PROVENANCE.md describes', () => {
    const layers = paramLayers();
    const files = layers.flatMap((l) => [filterFile(l), biasFile(l)]);
    const bytes = layers.reduce((n, l) => n + (l.k * l.k * l.inChannels * l.outChannels + l.outChannels) * 4, 0);
    expect(files.length).toBe(116);
    expect(new Set(files).size).toBe(116);
    expect(bytes).toBe(27_994_208);
  });

  it('agrees with the manifest file by file (path and size)', () => {
    const m = loadManifest();
    const fromTable = new Map(
      paramLayers().flatMap((l) => [
        [m.source.weightsDir + filterFile(l), l.k * l.k * l.inChannels * l.outChannels * 4],
        [m.source.weightsDir + biasFile(l), l.outChannels * 4],
      ]),
    );
    const fromManifest = new Map(weightFiles(m).map((f) => [f.path, f.bytes]));
    expect(fromManifest).toEqual(fromTable);
    expect(m.totals).toMatchObject({ weightFiles: 116, weightBytes: 27_994_208 });
  });
});

describe('buildGoogLeNetGraph', () => {
  const graph = buildGoogLeNetGraph();

  it('produces the shared model.json topology node for node', () => {
    expect(graph.nodes.length).toBe(shared.modelTopology.node.length);
    graph.nodes.forEach((n, i) => expect(n).toEqual(shared.modelTopology.node[i]));
  });

  it('lists the weights in the shards order of the shared model', () => {
    expect(graph.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype }))).toEqual(shared.weightsManifest[0].weights);
    expect(graph.weights.length).toBe(128);
  });

  it('writes layers.json byte for byte', () => {
    expect(JSON.stringify(graph.layers, null, 1)).toBe(readFileSync(join(MODEL_DIR, 'layers.json'), 'utf8'));
  });
});
