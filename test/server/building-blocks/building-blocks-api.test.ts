import { describe, expect, it } from 'vitest';
import { evaluateScore, type ScoreSpec } from '../../../server/engine/executors/executor.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeImage } from '../../../server/engine/images.js';
import { CLASS, IMAGES, wasmExecutor } from '../../helpers/fixtures.js';
import { gql, gqlData, sseSubscribe } from '../helpers/graphql-client.js';
import { sharedTestServer } from '../helpers/test-server.js';

// Oracles here come from the tfjs wasm executor and forward passes alone; the server runs ONNX
// Runtime in a worker. Nothing below trusts the code under test to check itself.

const GROUPS = `query G($imageId: ID!, $layer: String!, $groups: Int, $class1: String, $class2: String) {
  neuronGroups(imageId: $imageId, layer: $layer, groups: $groups, class1: $class1, class2: $class2) {
    layer height width count reconstructionError converged attributionMethod
    groups { index colour channels spatial attribution heatmap topChannels(first: 3) { channel weight } } } }`;

type Group = {
  index: number;
  channels: number[];
  spatial: number[];
  attribution: number | null;
  heatmap: string;
  topChannels: { channel: number; weight: number }[];
};

const live = sharedTestServer();

/** Score at a batch of activations, by forward passes of the independent executor. */
async function scores(layer: string, batch: Float32Array[], spec: ScoreSpec): Promise<number[]> {
  const ex = await wasmExecutor();
  const flat = new Float32Array(batch.length * batch[0].length);
  batch.forEach((b, i) => flat.set(b, i * b.length));
  const logits = await ex.logits(layer, flat, batch.length);
  return batch.map((_, i) => evaluateScore(spec, logits, i * 1000));
}

/** The server's input for an example: the original file, centre-cropped and resized as uploads are. */
const examplePixels = (name: string) => decodeImage(readFileSync(resolve(IMAGES, `${name}.png`))).pixels;

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

const cases = [
  {
    image: 'dog_cat_composite',
    layer: 'mixed4d',
    groups: 6,
    class1: 'Labrador retriever',
    class2: 'tiger cat',
    spec: { class1: { kind: 'class', index: CLASS.labrador }, class2: { kind: 'class', index: CLASS.tigerCat } },
  },
  {
    image: 'chelsea_cat',
    layer: 'mixed4b',
    groups: 4,
    class1: 'Egyptian cat',
    class2: 'logsumexp',
    spec: { class1: { kind: 'class', index: CLASS.egyptianCat }, class2: { kind: 'logsumexp' } },
  },
] as const;

describe('neuronGroups', () => {
  for (const c of cases) {
    it(`${c.image} @ ${c.layer}, ${c.groups} groups: honest error, left-to-right order, and each group's attribution is gradient x G_i, and the groups add up to the channel total within the error bound`, async () => {
      const ex = await wasmExecutor();
      const A = await ex.activations(examplePixels(c.image), c.layer);
      const [H, W, C] = ex.network.byName.get(c.layer)!.shape;
      const { neuronGroups: ng } = await gqlData(live.srv.url, GROUPS, {
        imageId: `example-${c.image}`,
        layer: c.layer,
        groups: c.groups,
        class1: c.class1,
        class2: c.class2,
      });
      expect(ng).toMatchObject({ layer: c.layer, height: H, width: W, count: c.groups, converged: true, attributionMethod: 'SIMPLE' });
      const groups = ng.groups as Group[];

      // The error the API reports, recomputed from its factors and independent activations.
      const G = groups.map((g) => {
        const m = new Float32Array(H * W * C);
        for (let p = 0; p < H * W; p++) for (let ch = 0; ch < C; ch++) m[p * C + ch] = g.spatial[p] * g.channels[ch];
        return m;
      });
      const residual = A.map((a, i) => a - G.reduce((s, m) => s + m[i], 0));
      expect(ng.reconstructionError).toBeCloseTo(norm(residual) / norm(A), 4);
      expect(ng.reconstructionError).toBeGreaterThan(0);
      expect(ng.reconstructionError).toBeLessThan(1);

      // Lucid's order: by the column of each spatial factor's peak.
      const peakColumn = groups.map((g) => g.spatial.indexOf(Math.max(...g.spatial)) % W);
      expect([...peakColumn].sort((a, b) => a - b)).toEqual(peakColumn);

      // Each group's attribution against the independent executor's gradient x G_i, then the sum relation.
      // (Central differences along G_i are no oracle here: G_i > 0 where A = 0 breaks the max-pool ties
      // of zero regions, so the one-sided derivatives differ from the gradient by up to ~15%.)
      const { grads } = await ex.gradients(c.layer, A, 1, c.spec as ScoreSpec);
      const largest = Math.max(...groups.map((x) => Math.abs(x.attribution!)));
      groups.forEach((g, i) => {
        const direct = G[i].reduce((t, v, j) => t + v * grads[j], 0);
        expect(Math.abs(g.attribution! - direct)).toBeLessThan(1e-3 * largest);
      });
      // sum_i attr_i - sum(A * grad) = sum((sum_i G_i - A) * grad): at most ||A - sum G|| ||grad|| (Cauchy-Schwarz).
      const channelTotal = A.reduce((t, a, i) => t + a * grads[i], 0);
      const groupTotal = groups.reduce((t, g) => t + g.attribution!, 0);
      expect(Math.abs(groupTotal - channelTotal)).toBeLessThanOrEqual(ng.reconstructionError * norm(A) * norm(grads) * 1.001 + 1e-6);

      expect(groups[0].heatmap).toMatch(/^data:image\/png;base64,/);
      expect(groups[0].topChannels[0].weight).toBe(Math.max(...groups[0].channels));
    });
  }

  it('rejects a bad group count, layer or image with one clear error', async () => {
    const bad = async (vars: Record<string, unknown>) =>
      (await gql(live.srv.url, GROUPS, { imageId: 'example-dog_cat_composite', layer: 'mixed4d', ...vars })).errors![0];
    expect(await bad({ groups: 0 })).toMatchObject({
      message: 'groups must be a whole number from 1 to 16 at mixed4d, got 0.',
      extensions: { code: 'BAD_ARGUMENT' },
    });
    expect((await bad({ layer: 'conv2d0' })).extensions!.code).toBe('UNKNOWN_LAYER');
    expect((await bad({ imageId: 'nope' })).extensions!.code).toBe('NOT_FOUND');
    expect((await bad({ class1: 'not a class at all' })).extensions!.code).toBe('UNKNOWN_CLASS');
  });
});

describe('semanticDictionary', () => {
  it('equals a direct top-k of the activations at the position', async () => {
    const ex = await wasmExecutor();
    const A = await ex.activations(examplePixels('dog_cat_composite'), 'mixed4d');
    const C = 528;
    for (const [x, y] of [
      [3, 5],
      [13, 0],
    ]) {
      const q = `{ semanticDictionary(imageId: "example-dog_cat_composite", layer: "mixed4d", x: ${x}, y: ${y}, first: 6) { x y channels { channel activation } } }`;
      const { semanticDictionary: d } = await gqlData(live.srv.url, q);
      const o = (y * 14 + x) * C;
      const direct = Array.from({ length: C }, (_, ch) => ch)
        .sort((a, b) => A[o + b] - A[o + a])
        .slice(0, 6);
      expect(d.channels.map((e: { channel: number }) => e.channel)).toEqual(direct);
      d.channels.forEach((e: { channel: number; activation: number }) => expect(e.activation).toBeCloseTo(A[o + e.channel], 3));
    }
    const off = await gql(
      live.srv.url,
      `{ semanticDictionary(imageId: "example-dog_cat_composite", layer: "mixed4d", x: 14, y: 0) { x } }`,
    );
    expect(off.errors![0]).toMatchObject({
      message: "Position (x 14, y 0) is off the layer's 14x14 grid: x is 0..13, y is 0..13.",
      extensions: { code: 'BAD_ARGUMENT' },
    });
  });
});

describe('spatialAttribution', () => {
  it('at the 3 largest positions equals d/dt score(A + t A_p) (finite differences of forward passes), and adds up to the channel total', async () => {
    const ex = await wasmExecutor();
    const layer = 'mixed4c';
    const spec: ScoreSpec = { class1: { kind: 'class', index: CLASS.tigerCat }, class2: { kind: 'class', index: CLASS.labrador } };
    const A = await ex.activations(examplePixels('dog_cat_composite'), layer);
    const [H, W, C] = ex.network.byName.get(layer)!.shape;
    const q = `{ spatialAttribution(imageId: "example-dog_cat_composite", layer: "${layer}", class1: "tiger cat", class2: "Labrador retriever") { height width method values heatmap } }`;
    const { spatialAttribution: s } = await gqlData(live.srv.url, q);
    expect(s).toMatchObject({ height: H, width: W, method: 'SIMPLE' });
    const positions = Array.from(s.values.keys() as Iterable<number>)
      .sort((a, b) => Math.abs(s.values[b]) - Math.abs(s.values[a]))
      .slice(0, 3);
    const h = 0.05;
    const batch = positions.flatMap((p) =>
      [-1, 1].map((sign) => A.map((a, i) => (Math.floor(i / C) === p ? a * (1 + sign * h) : a))).reverse(),
    );
    const sc = await scores(layer, batch, spec);
    positions.forEach((p, j) => {
      const fd = (sc[2 * j] - sc[2 * j + 1]) / (2 * h);
      expect(Math.abs(s.values[p] - fd)).toBeLessThan(0.03 * Math.abs(fd) + 1e-3);
    });
    const { grads } = await ex.gradients(layer, A, 1, spec);
    const total = A.reduce((t, a, i) => t + a * grads[i], 0);
    expect(s.values.reduce((t: number, v: number) => t + v, 0)).toBeCloseTo(total, 2);
  });
});

describe('a job with groups', () => {
  it('PATH, 4 midpoint steps, 3 groups: groups stream through jobProgress and each final value is sum(G_i * integrated gradient) of an independent executor', async () => {
    const layer = 'mixed4d';
    const start = await gqlData(
      live.srv.url,
      `mutation S($input: AttributionInput!) { startAttribution(input: $input) { id input { groups } } }`,
      {
        input: {
          imageId: 'example-dog_cat_composite',
          layer,
          class1: 'Labrador retriever',
          class2: 'tiger cat',
          method: 'PATH',
          steps: 4,
          rule: 'MIDPOINT',
          chunkSteps: 1,
          groups: 3,
        },
      },
    );
    expect(start.startAttribution.input.groups).toBe(3);
    const id = start.startAttribution.id;
    const events: { stepsDone: number; done: boolean; groups: { count: number; groups: { attribution: number }[] } | null }[] = [];
    await sseSubscribe(
      live.srv.url,
      `subscription P($id: ID!) { jobProgress(id: $id) { stepsDone done groups { count groups { attribution } } } }`,
      { id },
      (r) => events.push(r.data!.jobProgress),
    );
    const running = events.filter((e) => !e.done && e.groups);
    expect(running.length).toBeGreaterThan(0);
    expect(running[0].groups!.count).toBe(3);

    const { job } = await gqlData(
      live.srv.url,
      `query J($id: ID!) { job(id: $id) { status result { values groups { reconstructionError attributionMethod groups { channels spatial attribution } } } } }`,
      { id },
    );
    expect(job.status).toBe('SUCCEEDED');
    const ng = job.result.groups;
    expect(ng.attributionMethod).toBe('PATH');

    // Independent integrated gradient: the tfjs executor at the 4 midpoints alpha = (k + 1/2) / 4, weight 1/4.
    const ex = await wasmExecutor();
    const A = await ex.activations(examplePixels('dog_cat_composite'), layer);
    const spec: ScoreSpec = { class1: { kind: 'class', index: CLASS.labrador }, class2: { kind: 'class', index: CLASS.tigerCat } };
    const points = new Float32Array(A.length * 4);
    for (let k = 0; k < 4; k++) for (let i = 0; i < A.length; i++) points[k * A.length + i] = A[i] * ((k + 0.5) / 4);
    const { grads } = await ex.gradients(layer, points, 4, spec);
    const ig = new Float64Array(A.length);
    for (let k = 0; k < 4; k++) for (let i = 0; i < A.length; i++) ig[i] += grads[k * A.length + i] / 4;
    const C = 528;
    const groups = ng.groups as Group[];
    const expected = groups.map((g) => {
      let t = 0;
      for (let i = 0; i < A.length; i++) t += g.spatial[Math.floor(i / C)] * g.channels[i % C] * ig[i];
      return t;
    });
    const largest = Math.max(...expected.map(Math.abs));
    groups.forEach((g, i) => expect(Math.abs(g.attribution! - expected[i])).toBeLessThan(1e-3 * largest));
    // The last streamed event carries the same values.
    expect(events.at(-1)!.groups!.groups.map((g) => g.attribution)).toEqual(groups.map((g) => g.attribution));

    // Groups vs channels: within reconstructionError * ||A|| * ||IG|| of the channel total.
    const channelTotal = (job.result.values as number[]).reduce((t, v) => t + v, 0);
    const groupTotal = groups.reduce((t, g) => t + g.attribution!, 0);
    expect(Math.abs(groupTotal - channelTotal)).toBeLessThanOrEqual(ng.reconstructionError * norm(A) * norm(ig) * 1.001 + 1e-6);
  });

  it('rejects a group count off 1..16 before anything is queued', async () => {
    const r = await gql(live.srv.url, `mutation S($input: AttributionInput!) { startAttribution(input: $input) { id } }`, {
      input: { imageId: 'example-dog_cat_composite', layer: 'mixed5b', class1: 'tiger cat', method: 'SIMPLE', groups: 17 },
    });
    expect(r.errors![0]).toMatchObject({
      message: 'groups must be a whole number from 1 to 16 at mixed5b, got 17.',
      extensions: { code: 'BAD_ARGUMENT' },
    });
  });
});
