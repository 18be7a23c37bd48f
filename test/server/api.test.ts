import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { heatmapPng, pngDataUrl } from '../../server/images/heatmap-png.js';
import { gqlData, sseSubscribe, wsClient, wsSubscribe, type GraphQLResponse } from './helpers/graphql-client.js';
import { REPO_ROOT, SHARED_IMAGES, sharedTestServer } from './helpers/test-server.js';

const START = `mutation Start($input: AttributionInput!) { startAttribution(input: $input) { id status stepsTotal } }`;
const PROGRESS = `subscription Progress($id: ID!) {
  jobProgress(id: $id) { stepsDone stepsTotal status done values completenessGap rankStability elapsedMs etaMs
    top(first: 5) { channel value rank } bottom(first: 5) { channel value rank } job { id } }
}`;
const JOB = `query Job($id: ID!) { job(id: $id) { id status stepsDone stepsTotal backend startedAt finishedAt error { code message }
  input { layer method steps rule seed class1Label class2Label }
  result { stepsDone done score baselineScore completenessGap values top(first: 3) { channel value rank } } } }`;
const MODEL = `{ model { name backend inputSize layers { name channels height width } classes(search: "retriever", first: 50) { index name } } }`;

type Progress = { stepsDone: number; status: string; done: boolean; values: number[]; top: { channel: number }[] };

const live = sharedTestServer();

const startJob = async (input: Record<string, unknown>) =>
  (
    await gqlData(live.srv.url, START, {
      input: { imageId: 'example-dog_cat_composite', class1: 'Labrador retriever', class2: 'tiger cat', ...input },
    })
  ).startAttribution;

const waitFor = async (what: () => Promise<boolean>, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
};

describe('model and images', () => {
  it('describes the model: attribution layers with their shapes, and class search', async () => {
    const { model } = await gqlData(live.srv.url, MODEL);
    expect(model.inputSize).toBe(224);
    expect(model.layers.map((l: { name: string }) => l.name)).toEqual([
      'mixed3a',
      'mixed3b',
      'mixed4a',
      'mixed4b',
      'mixed4c',
      'mixed4d',
      'mixed4e',
      'mixed5a',
      'mixed5b',
    ]);
    // GoogLeNet's mixed4d: 112 + 288 + 64 + 64 channels on a 14x14 grid (Szegedy et al. 2014, table 1).
    expect(model.layers.find((l: { name: string }) => l.name === 'mixed4d')).toEqual({
      name: 'mixed4d',
      channels: 528,
      height: 14,
      width: 14,
    });
    // PROVENANCE.md: Labrador retriever is class 208 in Caffe order.
    expect(model.classes).toContainEqual({ index: 208, name: 'Labrador retriever' });
  });

  it('lists the examples beside the model and serves their bytes', async () => {
    const { examples } = await gqlData(live.srv.url, `{ examples { id name width height url source } }`);
    const composite = examples.find((e: { name: string }) => e.name === 'dog_cat_composite.png');
    expect(composite).toMatchObject({ width: 448, height: 448, source: 'EXAMPLE' });
    const res = await fetch(composite.url);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(SHARED_IMAGES, 'dog_cat_composite.png')))).toBe(true);
  });

  it('takes a multipart upload and predicts what PROVENANCE.md verified for the 224 copy', async () => {
    const bytes = readFileSync(join(SHARED_IMAGES, '224', 'fruits.png'));
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query:
          'mutation ($file: File) { uploadImage(file: $file) { id name width height source predictions(top: 2) { class { name index } probability } } }',
        variables: { file: null },
      }),
    );
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new Blob([bytes], { type: 'image/png' }), 'fruits.png');
    const res = await fetch(live.srv.url, { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } });
    const { data, errors } = (await res.json()) as GraphQLResponse;
    expect(errors).toBeUndefined();
    expect(data.uploadImage).toMatchObject({ name: 'fruits.png', width: 224, height: 224, source: 'UPLOAD' });
    // PROVENANCE.md, "Verified predictions": fruits -> lemon 97.6 %, orange 2.3 %.
    const [lemon, orange] = data.uploadImage.predictions;
    expect(lemon.class).toEqual({ name: 'lemon', index: 951 });
    expect(lemon.probability).toBeCloseTo(0.976, 2);
    expect(orange.class.name).toBe('orange');
    expect(orange.probability).toBeCloseTo(0.023, 2);

    // The same bytes as a data: URL give the same image.
    const again = await gqlData(live.srv.url, 'mutation ($u: String) { uploadImage(dataUrl: $u) { id } }', {
      u: `data:image/png;base64,${bytes.toString('base64')}`,
    });
    expect(again.uploadImage.id).toBe(data.uploadImage.id);
    const image = await gqlData(live.srv.url, 'query ($id: ID!) { image(id: $id) { id path } }', { id: data.uploadImage.id });
    const served = await fetch(live.srv.origin + image.image.path);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('live progress', () => {
  it('streams a 100-step job over SSE and graphql-ws at once, while the model query stays fast', async () => {
    const job = await startJob({ steps: 100, chunkSteps: 10 });
    const sse: Progress[] = [];
    const ws: Progress[] = [];
    const client = wsClient(live.srv.wsUrl);
    const sseDone = sseSubscribe(live.srv.url, PROGRESS, { id: job.id }, (r) => sse.push(r.data!.jobProgress));
    const wsDone = wsSubscribe(client, PROGRESS, { id: job.id }, (r) => ws.push(r.data!.jobProgress));

    // Compute runs in workers: the event loop answers a model query quickly while the job runs.
    const latencies: number[] = [];
    let running = true;
    void Promise.all([sseDone, wsDone]).finally(() => (running = false));
    while (running) {
      const t = performance.now();
      await gqlData(live.srv.url, MODEL);
      const ms = performance.now() - t;
      const status = (await gqlData(live.srv.url, 'query ($id: ID!) { job(id: $id) { status } }', { id: job.id })).job.status;
      if (status === 'RUNNING') latencies.push(ms);
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all([sseDone, wsDone]);
    client.dispose();
    console.log(
      `model query while a job ran: ${latencies.length} samples, median ${latencies.sort((a, b) => a - b)[latencies.length >> 1].toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );

    latencies.sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(100);
    // A chunk computed on the event loop would block a query for about a second.
    expect(latencies.at(-1)).toBeLessThan(1000);

    const final = (await gqlData(live.srv.url, JOB, { id: job.id })).job;
    expect(final.status).toBe('SUCCEEDED');
    for (const [name, events] of [
      ['SSE', sse],
      ['graphql-ws', ws],
    ] as const) {
      const snapshots = events.filter((e) => e.stepsDone > 0);
      const steps = snapshots.map((e) => e.stepsDone);
      expect(new Set(steps).size, name).toBeGreaterThanOrEqual(5);
      for (let i = 1; i < steps.length; i++) expect(steps[i], `${name} ${steps}`).toBeGreaterThan(steps[i - 1]);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ done: true, status: 'SUCCEEDED', stepsDone: 100 });
      expect(events.slice(0, -1).every((e) => !e.done)).toBe(true);
      expect(last.values).toEqual(final.result.values);
    }
    expect(final.result.values).toHaveLength(528);
    expect(final.backend).toBe(live.pool.info.backend);
  });

  it('serves the final spatial map as per-channel heatmaps that add up to the channel values', async () => {
    const job = await startJob({ steps: 20, chunkSteps: 10 });
    await waitFor(async () => (await gqlData(live.srv.url, JOB, { id: job.id })).job.status === 'SUCCEEDED', 60_000);
    const { job: done } = await gqlData(
      live.srv.url,
      `query ($id: ID!) { job(id: $id) { result { values top(first: 1) { channel }
        heatmap(channel: 7) layerScale: heatmap(channel: 7, scale: LAYER) } } }`,
      { id: job.id },
    );
    const spatial = (await live.srv.app.store.getSpatial(job.id))!;
    expect(spatial).toMatchObject({ height: 14, width: 14, channels: 528 });
    // The spatial map is the attribution before summing over positions (incremental-estimator.ts).
    for (const c of [0, 7, done.result.top[0].channel, 527]) {
      let sum = 0;
      for (let p = 0; p < 196; p++) sum += spatial.data[p * 528 + c];
      expect(sum).toBeCloseTo(done.result.values[c], 4);
    }
    const png = PNG.sync.read(Buffer.from(done.result.heatmap.replace(/^data:image\/png;base64,/, ''), 'base64'));
    expect([png.width, png.height]).toEqual([14, 14]);
    let maxAlpha = 0;
    for (let p = 0; p < 196; p++) {
      const v = spatial.data[p * 528 + 7];
      const alpha = png.data[p * 4 + 3];
      maxAlpha = Math.max(maxAlpha, alpha);
      if (alpha > 0) expect(png.data[p * 4 + (v > 0 ? 2 : 0)]).toBeGreaterThan(150); // blue for +, red for -
    }
    expect(maxAlpha).toBe(255);
    expect(done.result.layerScale).not.toBe(done.result.heatmap);
  });

  it('serves heatmaps of the running estimate while a job runs, then the final map', async () => {
    // Long enough that the run outlasts two stored snapshots on a fast machine (100 steps take ~1 s on an idle 2-core EPYC).
    const job = await startJob({ steps: 400, chunkSteps: 10 });
    const HEATMAP = `query ($id: ID!, $c: Int!) { job(id: $id) { status result { stepsDone top(first: 1) { channel } heatmap(channel: $c) } } }`;
    let channel = -1;
    await waitFor(async () => {
      const { job: j } = await gqlData(live.srv.url, HEATMAP, { id: job.id, c: 0 });
      channel = j.result?.top[0].channel ?? -1;
      return channel >= 0;
    }, 60_000);
    const seen = new Map<string, string>();
    await waitFor(async () => {
      const map = live.srv.app.jobs.runningSpatial(job.id);
      const { job: j } = await gqlData(live.srv.url, HEATMAP, { id: job.id, c: channel });
      const after = live.srv.app.jobs.runningSpatial(job.id);
      // The run may end during the query (the live map is dropped just before the final one is stored).
      if (!map || !after || j.status !== 'RUNNING') return false;
      expect(j.result.heatmap).toMatch(/^data:image\/png;base64,/);
      // Unless a snapshot landed meanwhile, the heatmap is the live map's.
      if (after === map) expect(j.result.heatmap).toBe(pngDataUrl(heatmapPng(map, channel, 'CHANNEL')));
      seen.set(j.result.heatmap, String(j.result.stepsDone));
      // The stored result's steps can lag the live map by a snapshot: wait for two of them.
      return new Set(seen.values()).size >= 2;
    }, 60_000);
    expect(new Set(seen.values()).size).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await gqlData(live.srv.url, JOB, { id: job.id })).job.status === 'SUCCEEDED', 120_000);
    expect(live.srv.app.jobs.runningSpatial(job.id)).toBeNull();
    const { job: done } = await gqlData(live.srv.url, HEATMAP, { id: job.id, c: channel });
    expect(done.result.heatmap).toBe(pngDataUrl(heatmapPng((await live.srv.app.store.getSpatial(job.id))!, channel, 'CHANNEL')));
  });

  it('gives a reconnecting subscriber the latest snapshot at once, then cancels between chunks', async () => {
    // Chunks of 25 steps take seconds: an event that arrives well within one came from the stored latest.
    const job = await startJob({ steps: 300, chunkSteps: 25 });
    const first = wsClient(live.srv.wsUrl);
    const seenBefore: Progress[] = [];
    await new Promise<void>((resolve, reject) => {
      first.subscribe(
        { query: PROGRESS, variables: { id: job.id } },
        {
          next: (r) => {
            seenBefore.push((r.data as any).jobProgress);
            if (seenBefore.filter((e) => e.stepsDone > 0).length >= 2) resolve();
          },
          error: reject,
          complete: () => reject(new Error('completed too early')),
        },
      );
    });
    await first.dispose();
    const lastSeen = seenBefore.at(-1)!.stepsDone;
    // The server lets go of a subscriber that disconnected.
    await waitFor(async () => live.srv.app.events.subscriberCount(job.id) === 0, 5000);

    const second = wsClient(live.srv.wsUrl);
    const after: (Progress & { at: number })[] = [];
    const t0 = performance.now();
    let cancelAt = 0;
    let stepsAtCancel = 0;
    let cancelled: any;
    await wsSubscribe(second, PROGRESS, { id: job.id }, (r) => {
      after.push({ ...r.data!.jobProgress, at: performance.now() - t0 });
      if (after.length === 2) {
        stepsAtCancel = after[1].stepsDone;
        cancelAt = performance.now();
        cancelled = gqlData(
          live.srv.url,
          `mutation ($id: ID!) { cancelJob(id: $id) { id status stepsDone result { stepsDone done values } } }`,
          { id: job.id },
        );
      }
    });
    await second.dispose();
    const { cancelJob } = await cancelled;
    const cancelMs = performance.now() - cancelAt;
    console.log(`reconnect: first event after ${after[0].at.toFixed(0)} ms; cancel took ${cancelMs.toFixed(0)} ms`);

    // The latest snapshot arrives at once, not after the next chunk.
    expect(after[0].stepsDone).toBeGreaterThanOrEqual(lastSeen);
    expect(after[0].values).toHaveLength(528);
    expect(after[0].at).toBeLessThan(1500);
    // Stopped between chunks: at most the chunk in flight was finished.
    expect(cancelJob.status).toBe('CANCELLED');
    expect(cancelJob.stepsDone).toBeLessThanOrEqual(stepsAtCancel + 25);
    expect(cancelJob.stepsDone).toBeLessThan(300);
    expect(cancelMs).toBeLessThan(10_000);
    // The partial result stays readable.
    expect(cancelJob.result).toMatchObject({ stepsDone: cancelJob.stepsDone, done: false });
    expect(cancelJob.result.values).toHaveLength(528);
    expect(after.at(-1)).toMatchObject({ status: 'CANCELLED', done: true });
    // A finished job's stream gives its final state and completes.
    const replay: Progress[] = [];
    await sseSubscribe(live.srv.url, PROGRESS, { id: job.id }, (r) => replay.push(r.data!.jobProgress));
    expect(replay).toHaveLength(1);
    expect(replay[0]).toMatchObject({ status: 'CANCELLED', done: true, stepsDone: cancelJob.stepsDone });
  });
});

describe('compareMethods', () => {
  const execFileP = promisify(execFile);
  // The notebook's three calls of compare_attr_methods, on the images PROVENANCE.md maps them to.
  const comparisons = [
    { image: 'dog_cat_composite.png', class1: 'Labrador retriever', class2: 'tiger cat' },
    { image: 'fruits.jpg', class1: 'vase', class2: 'lemon' },
    { image: 'person_dog_horse.jpg', class1: 'hog', class2: 'dalmatian' },
  ];
  const STEPS = 10;
  const cliMethod = { SIMPLE: 'simple', PATH: 'path', STOCHASTIC_PATH: 'stochastic-path' } as const;

  it.each(comparisons)('$class1 vs $class2 on $image equals the CLI for each method', async ({ image, class1, class2 }) => {
    const imageId = `example-${image.replace(/\.\w+$/, '')}`;
    const { compareMethods } = await gqlData(
      live.srv.url,
      `mutation ($input: CompareInput!) { compareMethods(input: $input) { id groupId input { method steps } } }`,
      { input: { imageId, class1, class2, steps: STEPS } },
    );
    expect(compareMethods.map((j: any) => j.input.method)).toEqual(['SIMPLE', 'PATH', 'STOCHASTIC_PATH']);
    expect(new Set(compareMethods.map((j: any) => j.groupId)).size).toBe(1);

    for (const j of compareMethods) {
      const method = j.input.method as keyof typeof cliMethod;
      const { stdout } = await execFileP(
        'npm',
        [
          'run',
          '--silent',
          'attribute',
          '--',
          '--image',
          join(SHARED_IMAGES, image),
          '--layer',
          'mixed4d',
          '--class1',
          class1,
          '--class2',
          class2,
          '--method',
          cliMethod[method],
          '--steps',
          String(STEPS),
          '--backend',
          live.pool.info.backend.startsWith('onnx') ? 'onnx' : 'tfjs',
          '--json',
        ],
        { cwd: REPO_ROOT, maxBuffer: 1 << 24 },
      );
      const cli = JSON.parse(stdout.trim().split('\n').at(-1)!);
      await waitFor(async () => ['SUCCEEDED', 'FAILED'].includes((await gqlData(live.srv.url, JOB, { id: j.id })).job.status), 120_000);
      const api = (await gqlData(live.srv.url, JOB, { id: j.id })).job;
      expect(api.status).toBe('SUCCEEDED');
      expect(api.input.class1Label).toBe(cli.class1);
      expect(api.result.values).toHaveLength(cli.values.length);
      const scale = Math.max(...cli.values.map(Math.abs));
      const maxDiff = Math.max(...cli.values.map((v: number, i: number) => Math.abs(v - api.result.values[i])));
      console.log(`${image} ${method}: max |API - CLI| = ${maxDiff.toExponential(2)} (max |value| ${scale.toFixed(3)})`);
      expect(maxDiff / scale, `${method}: max diff ${maxDiff}`).toBeLessThan(1e-6);
      expect(api.result.score).toBeCloseTo(cli.score, 5);
      expect(api.result.top.map((c: any) => c.channel)).toEqual(cli.top.slice(0, 3).map((c: any) => c.channel));
    }
  });
});
