import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../server/engine/images.js';
import { subgraph } from '../../../server/engine/network/network.js';
import { validateLayerToLayer } from '../../../server/engine/building-blocks/layer-to-layer-attribution.js';
import * as tf from '@tensorflow/tfjs';
import { IMAGES, wasmExecutor } from '../../helpers/fixtures.js';
import { gql, gqlData } from '../helpers/graphql-client.js';
import { sharedTestServer } from '../helpers/test-server.js';

// The server runs ONNX Runtime in a worker; the oracle is central differences of the tfjs
// executor's forward pass alone (test/server/engine/building-blocks/ checks the maps against tf.grad).

const L2L = `query L($imageId: ID!, $from: String!, $to: String!, $positions: [GridPositionInput!]) {
  layerToLayerAttribution(imageId: $imageId, from: $from, to: $to, positions: $positions) {
    from to fromHeight fromWidth toHeight toWidth
    targets { x y magnitude attribution { layer height width method values heatmap } }
    target(x: 3, y: 3) { x y attribution { value(x: 6, y: 6) } } } }`;

const live = sharedTestServer();

const examplePixels = (name: string) => decodeImage(readFileSync(resolve(IMAGES, `${name}.png`))).pixels;

/** ||mixed5a[y, x, :]|| after scaling mixed4d's vector at source position s by (1 + t), for each t: forward passes only. */
async function targetNorms(acts: Float32Array, s: number, ts: number[], x: number, y: number): Promise<number[]> {
  const ex = await wasmExecutor();
  const net = ex.network;
  const [H1, W1, C1] = net.byName.get('mixed4d')!.shape;
  const [, W2, C2] = net.byName.get('mixed5a')!.shape;
  const batch = new Float32Array(ts.length * acts.length);
  ts.forEach((t, k) => {
    batch.set(acts, k * acts.length);
    for (let c = 0; c < C1; c++) batch[k * acts.length + s * C1 + c] *= 1 + t;
  });
  const out = tf.tidy(() =>
    ex.forward(subgraph(net, 'mixed4d', 'mixed5a'), new Map([['mixed4d', tf.tensor4d(batch, [ts.length, H1, W1, C1])]])).get('mixed5a')!,
  );
  const later = (await out.data()) as Float32Array;
  out.dispose();
  const size = later.length / ts.length;
  return ts.map((_, k) => {
    let sq = 0;
    for (let c = 0; c < C2; c++) sq += later[k * size + (y * W2 + x) * C2 + c] ** 2;
    return Math.sqrt(sq);
  });
}

describe('layerToLayerAttribution', () => {
  it('dog/cat mixed4d -> mixed5a at three targets: shapes, maps against finite differences of the forward pass', async () => {
    const positions = [
      { x: 3, y: 3 },
      { x: 1, y: 4 },
      { x: 5, y: 2 },
    ];
    const { layerToLayerAttribution: r } = await gqlData(live.srv.url, L2L, {
      imageId: 'example-dog_cat_composite',
      from: 'mixed4d',
      to: 'mixed5a',
      positions,
    });
    expect(r).toMatchObject({ from: 'mixed4d', to: 'mixed5a', fromHeight: 14, fromWidth: 14, toHeight: 7, toWidth: 7 });
    expect(r.targets.map((t: { x: number; y: number }) => ({ x: t.x, y: t.y }))).toEqual(positions);
    expect(r.target.attribution.value).toBe(r.targets[0].attribution.values[6 * 14 + 6]);
    const ex = await wasmExecutor();
    const acts = await ex.activations(examplePixels('dog_cat_composite'), 'mixed4d');
    for (const t of r.targets) {
      expect(t.attribution).toMatchObject({ layer: 'mixed4d', height: 14, width: 14, method: 'SIMPLE' });
      expect(t.attribution.heatmap).toMatch(/^data:image\/png;base64,/);
      const values = t.attribution.values as number[];
      const s = values.reduce((best, v, i) => (Math.abs(v) > Math.abs(values[best]) ? i : best), 0);
      const h = 1e-2;
      const [up, down, at] = await targetNorms(acts, s, [h, -h, 0], t.x, t.y);
      expect(Math.abs(t.magnitude - at)).toBeLessThan(1e-4 * at);
      const fd = (up - down) / (2 * h);
      expect(Math.abs(values[s])).toBeGreaterThan(1e-3);
      expect(Math.abs(fd - values[s])).toBeLessThan(0.03 * Math.abs(values[s]) + 1e-3);
    }
  }, 240_000);

  it("from a job: the job's image and layer, every target when none are listed", async () => {
    const start = await gqlData(live.srv.url, `mutation S($input: AttributionInput!) { startAttribution(input: $input) { id } }`, {
      input: { imageId: 'example-chelsea_cat', layer: 'mixed4e', class1: 'tiger cat', method: 'SIMPLE' },
    });
    const { job } = await gqlData(
      live.srv.url,
      `query J($id: ID!) { job(id: $id) { layerToLayerAttribution(to: "mixed5b") { from to targets { x y attribution { values } } } } }`,
      { id: start.startAttribution.id },
    );
    const r = job.layerToLayerAttribution;
    expect(r).toMatchObject({ from: 'mixed4e', to: 'mixed5b' });
    expect(r.targets.length).toBe(49);
    expect(r.targets[8]).toMatchObject({ x: 1, y: 1 });
    expect(r.targets[8].attribution.values.length).toBe(14 * 14);
  }, 240_000);

  it('the worker reports progress after each batch of targets, and a cancel stops it between batches', async () => {
    const pixels = examplePixels('dog_cat_composite');
    const request = validateLayerToLayer(live.pool.info.layers, 'mixed4d', 'mixed5a');
    const progress: [number, number][] = [];
    const r = await live.pool.layerToLayerAttribution(pixels, request, (done, total) => progress.push([done, total]));
    expect(r.maps).toHaveLength(49);
    expect(progress).toEqual([7, 14, 21, 28, 35, 42, 49].map((d) => [d, 49]));
    const ctl = new AbortController();
    const cancelled = live.pool.layerToLayerAttribution(pixels, request, () => ctl.abort(), ctl.signal);
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
  }, 240_000);

  it('one clear error for each bad request', async () => {
    const bad = async (vars: Record<string, unknown>) =>
      (await gql(live.srv.url, L2L, { imageId: 'example-dog_cat_composite', from: 'mixed4d', to: 'mixed5a', ...vars })).errors![0];
    expect(await bad({ from: 'mixed5a', to: 'mixed4d' })).toMatchObject({
      message: expect.stringContaining('The target layer must come after the source layer: mixed4d is not after mixed5a'),
      extensions: { code: 'BAD_ARGUMENT' },
    });
    expect(await bad({ to: 'mixed6x' })).toMatchObject({
      message: expect.stringContaining('Unknown layer "mixed6x"'),
      extensions: { code: 'UNKNOWN_LAYER' },
    });
    expect(await bad({ positions: [{ x: 7, y: 1 }] })).toMatchObject({
      message: "Position (x 7, y 1) is off the layer's 7x7 grid: x is 0..6, y is 0..6.",
      extensions: { code: 'BAD_ARGUMENT' },
    });
    expect(await bad({ from: 'mixed3a', to: 'mixed3b' })).toMatchObject({
      message: expect.stringContaining('mixed3b has 784 positions, more than the 196'),
      extensions: { code: 'BAD_ARGUMENT' },
    });
    expect(await bad({ imageId: 'nope' })).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const missing = await gql(
      live.srv.url,
      `{ layerToLayerAttribution(imageId: "example-dog_cat_composite", positions: [{ x: 0, y: 0 }]) { target(x: 1, y: 1) { x } } }`,
    );
    expect(missing.errors![0]).toMatchObject({
      message: "Position (x 1, y 1) of mixed5a is not among this attribution's 1 targets.",
      extensions: { code: 'BAD_ARGUMENT' },
    });
  }, 240_000);
});
