import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../server/workers/pool.js';
import { gql, gqlData, type GraphQLResponse } from './helpers/graphql-client.js';
import { SHARED_IMAGES, startTestServer, type TestServer } from './helpers/test-server.js';

const START =
  'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id status stepsTotal input { layers imageIds skippedImages { imageId reason } } } }';
const LAYER_FIELDS =
  'layer status stepsDone values errors settled relativeError completenessGap score baselineScore top(first: 5) { channel value } bottom(first: 5) { channel value }';
const JOB = `query ($id: ID!) { job(id: $id) { id status stepsDone stepsTotal error { code message }
  result { done stepsDone values settled images { total done doneIndexes } layers { ${LAYER_FIELDS} imagesDone spread integration topCount bottomCount
    perImage { imageIndex image { id } values errors stepsDone } } } } }`;
const SINGLE = `query ($id: ID!) { job(id: $id) { status result { ${LAYER_FIELDS.replace(/^layer status /, '')} errors } } }`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(url: string, id: string, query = JOB, until = (j: any) => !['QUEUED', 'RUNNING'].includes(j.status)) {
  for (const end = Date.now() + 600_000; Date.now() < end; await sleep(100)) {
    const job = (await gqlData(url, query, { id })).job;
    if (until(job)) return job;
  }
  throw new Error(`job ${id} did not finish`);
}

const BASE = { class1: 'Pekinese', class2: 'tiger cat', method: 'PATH' };

let pool: EnginePool;
let srv: TestServer;
beforeAll(async () => {
  pool = await EnginePool.start({ size: 1, backend: 'onnx' });
  srv = await startTestServer(pool, { jobLimits: { maxImages: 4, maxSteps: 5000 } });
});
afterAll(async () => {
  await srv?.close();
  await pool?.close();
});

const start = async (input: Record<string, unknown>) => (await gqlData(srv.url, START, { input })).startAttribution;
const singleJob = async (input: Record<string, unknown>) => waitFor(srv.url, (await start(input)).id, SINGLE);

describe('a job over several layers', () => {
  it('gives every layer the values of a job at that layer alone, bit for bit, with a tolerance per layer', async () => {
    const settings = { ...BASE, imageId: 'example-dog_cat_composite', tolerance: 0.05, steps: 64 };
    const job = await start({ ...settings, layers: ['mixed5a', 'mixed3b'] });
    expect(job.input.layers).toEqual(['mixed3b', 'mixed5a']);
    const done = await waitFor(srv.url, job.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.layers.map((l: any) => [l.layer, l.status])).toEqual([
      ['mixed3b', 'DONE'],
      ['mixed5a', 'DONE'],
    ]);
    let singleTotals = 0;
    for (const layer of done.result.layers) {
      const started = await start({ ...settings, layer: layer.layer });
      singleTotals += started.stepsTotal;
      const single = await waitFor(srv.url, started.id, SINGLE);
      const { layer: _name, status: _status, imagesDone: _n, spread, integration, topCount, bottomCount, perImage: _p, ...own } = layer;
      expect(own).toEqual(single.result);
      expect(layer.settled).toBe(true);
      expect([spread, integration, topCount, bottomCount]).toEqual([[], [], [], []]);
    }
    // The job's most steps are the single jobs' together (each layer's tolerance rule caps its own).
    expect(job.stepsTotal).toBe(singleTotals);
    // The job's own fields are its first layer's, its steps the sum of the layers'.
    expect(done.result.values).toEqual(done.result.layers[0].values);
    expect(done.stepsDone).toBe(done.result.layers[0].stepsDone + done.result.layers[1].stepsDone);
    // `only` picks layers by name: a channel index only the wider layer has is asked there alone.
    const only = await gqlData(
      srv.url,
      `query ($id: ID!) { job(id: $id) { result { layers(only: ["mixed5a"]) { layer top(first: 1) { channel } } } } }`,
      { id: job.id },
    );
    expect(only.job.result.layers.map((l: any) => l.layer)).toEqual(['mixed5a']);
  });
});

describe('a job over several images', () => {
  const IMAGES = ['example-chelsea_cat', 'example-dog_cat_composite', 'example-fruits'];
  const settings = { ...BASE, layer: 'mixed4d', steps: 8, topK: 5 };

  it('keeps each image as a single job would give it, and their mean, error, consistency and galleries', async () => {
    const job = await start({ ...settings, imageIds: IMAGES });
    const done = await waitFor(srv.url, job.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.images).toEqual({ total: 3, done: 3, doneIndexes: [0, 1, 2] });
    const [layer] = done.result.layers;
    const singles: any[] = [];
    for (const imageId of IMAGES) singles.push((await singleJob({ ...settings, imageId })).result);
    layer.perImage.forEach((p: any, i: number) => {
      expect(p.image.id).toBe(IMAGES[i]);
      expect(p.values).toEqual(singles[i].values);
      expect(p.errors).toEqual(singles[i].errors);
    });
    const C = singles[0].values.length;
    for (let c = 0; c < C; c++) {
      const v = singles.map((s) => s.values[c]);
      const mean = (0 + v[0] + v[1] + v[2]) / 3;
      expect(layer.values[c]).toBe(mean);
      const sem = Math.sqrt(v.reduce((a: number, x: number) => a + (x - mean) ** 2, 0) / 2 / 3);
      const integration = Math.sqrt(singles.reduce((a, s) => a + s.errors[c] ** 2, 0)) / 3;
      expect(layer.spread[c]).toBeCloseTo(sem, 12);
      expect(layer.integration[c]).toBeCloseTo(integration, 12);
      expect(layer.errors[c]).toBeCloseTo(Math.hypot(sem, integration), 12);
    }
    expect(layer.imagesDone).toBe(3);
    expect(layer.topCount.reduce((a: number, b: number) => a + b, 0)).toBe(3 * 5);

    // The most consistent channels, and a channel's gallery: the images where it is largest.
    const q = `query ($id: ID!, $c: Int!) { job(id: $id) { result { layers { consistent(first: 3) { channel top images }
      channelImages(channel: $c, first: 3) { imageIndex value rank heatmap { height width maps { channel } } } } } } }`;
    const channel = layer.top[0].channel;
    const extra = (await gqlData(srv.url, q, { id: job.id, c: channel })).job.result.layers[0];
    expect(extra.consistent[0].top).toBe(Math.max(...layer.topCount));
    const byValue = singles.map((s, i) => [s.values[channel], i]).sort((a, b) => b[0] - a[0]);
    expect(extra.channelImages.map((g: any) => g.imageIndex)).toEqual(byValue.map((b) => b[1]));
    expect(extra.channelImages[0]).toMatchObject({
      value: byValue[0][0],
      rank: 1,
      heatmap: { height: 14, width: 14, maps: [{ channel }] },
    });
  });

  it('lists the bad images and starts nothing, or leaves them out with skipBadImages', async () => {
    const r = await gql(srv.url, START, { input: { ...settings, imageIds: ['example-fruits', 'upload-nope', 'example-missing'] } });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_IMAGES');
    expect(r.errors?.[0].message).toMatch(/2 of 3 images.*upload-nope.*example-missing/);
    const before = (await gqlData(srv.url, '{ jobs(first: 100) { nodes { id } } }')).jobs.nodes.length;
    const skipped = await start({ ...settings, imageIds: ['example-fruits', 'upload-nope', 'example-chelsea_cat'], skipBadImages: true });
    expect(skipped.input.imageIds).toEqual(['example-fruits', 'example-chelsea_cat']);
    expect(skipped.input.skippedImages).toEqual([{ imageId: 'upload-nope', reason: 'no such image' }]);
    expect((await gqlData(srv.url, '{ jobs(first: 100) { nodes { id } } }')).jobs.nodes.length).toBe(before + 1);
    await waitFor(srv.url, skipped.id);
  });

  it('refuses more images or work than the budget, with the number', async () => {
    const five = ['chelsea_cat', 'coffee', 'dog_cat_composite', 'eagle', 'fruits'].map((x) => `example-${x}`);
    const tooMany = await gql(srv.url, START, { input: { ...settings, imageIds: five } });
    expect(tooMany.errors?.[0].extensions?.code).toBe('JOB_TOO_LARGE');
    expect(tooMany.errors?.[0].message).toMatch(/5 images are more than one job may attribute \(MAX_IMAGES_PER_JOB = 4\)/);
    const big = await gql(srv.url, START, { input: { ...settings, imageIds: IMAGES, layers: ['*'], steps: 200 } });
    expect(big.errors?.[0].extensions?.code).toBe('JOB_TOO_LARGE');
    expect(big.errors?.[0].message).toMatch(/9 layers x 3 images x 200 steps = 5400 gradient steps.*MAX_JOB_STEPS = 5000/);
  });

  it('keeps the images done when cancelled', async () => {
    const job = await start({ ...settings, imageIds: IMAGES, steps: 40 });
    await waitFor(srv.url, job.id, JOB, (j) => (j.result?.images?.done ?? 0) >= 1);
    await gqlData(srv.url, 'mutation ($id: ID!) { cancelJob(id: $id) { id } }', { id: job.id });
    const cancelled = await waitFor(srv.url, job.id);
    expect(cancelled.status).toBe('CANCELLED');
    const kept = cancelled.result.layers[0].perImage;
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(3);
    expect(cancelled.result.layers[0].imagesDone).toBe(kept.length);
  });
});

describe('uploadImages', () => {
  it('stores several files and the images of a zip, each checked, listing the bad ones by name', async () => {
    const png = (name: string) => readFileSync(join(SHARED_IMAGES, '224', `${name}.png`));
    const zip = new AdmZip();
    zip.addFile('photos/fruits.png', png('fruits'));
    zip.addFile('photos/readme.txt', Buffer.from('not an image'));
    zip.addFile('__MACOSX/photos/._fruits.png', Buffer.from('resource fork'));
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation ($files: [File!]!) { uploadImages(files: $files) { images { id name } rejected { name code message } } }',
        variables: { files: [null, null, null] },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.files.0'], 1: ['variables.files.1'], 2: ['variables.files.2'] }));
    form.set('0', new Blob([png('chelsea_cat')], { type: 'image/png' }), 'cat.png');
    form.set('1', new Blob([Buffer.from('GIF89a...')], { type: 'image/gif' }), 'anim.gif');
    form.set('2', new Blob([new Uint8Array(zip.toBuffer())], { type: 'application/zip' }), 'batch.zip');
    const res = await fetch(srv.url, { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } });
    const { data, errors } = (await res.json()) as GraphQLResponse;
    expect(errors).toBeUndefined();
    expect(data.uploadImages.images.map((i: any) => i.name)).toEqual(['cat.png', 'batch.zip/photos/fruits.png']);
    expect(data.uploadImages.rejected.map((r: any) => [r.name, r.code])).toEqual([
      ['anim.gif', 'BAD_IMAGE'],
      ['batch.zip/photos/readme.txt', 'BAD_IMAGE'],
    ]);
    const job = await start({ ...BASE, layer: 'mixed5b', method: 'SIMPLE', imageIds: data.uploadImages.images.map((i: any) => i.id) });
    expect((await waitFor(srv.url, job.id)).result.images.done).toBe(2);
  });
});

describe('resuming a job over several images after a restart', () => {
  it('starts again at the image where it stopped and ends with the values of an uninterrupted run', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'multi-resume-'));
    try {
      const settings = {
        ...BASE,
        layer: 'mixed5a',
        steps: 24,
        imageIds: ['example-fruits', 'example-chelsea_cat', 'example-dog_cat_composite'],
      };
      let first: TestServer | undefined = await startTestServer(pool, { dataDir });
      const job = (await gqlData(first.url, START, { input: settings })).startAttribution;
      await waitFor(first.url, job.id, JOB, (j) => (j.result?.images?.done ?? 0) >= 1);
      await first.app.shutdown(0);
      await first.close({ keepData: true });
      first = undefined;
      const second = await startTestServer(pool, { dataDir });
      try {
        const resumed = await waitFor(second.url, job.id);
        expect(resumed.status).toBe('SUCCEEDED');
        const fresh = (await gqlData(second.url, START, { input: settings })).startAttribution;
        const reference = await waitFor(second.url, fresh.id);
        expect(resumed.result.layers).toEqual(reference.result.layers);
        expect(resumed.stepsDone).toBe(reference.stepsDone);
      } finally {
        await second.close({ keepData: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
