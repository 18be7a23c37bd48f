import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../server/jobs/redis/redis-connection.js';
import { EnginePool } from '../../server/workers/pool.js';
import { gql, gqlData, sseSubscribe } from '../server/helpers/graphql-client.js';
import { REPO_ROOT, startTestServer } from '../server/helpers/test-server.js';
import { folderFiles, importModel } from '../server/helpers/model-import.js';
import { relativeL2 } from '../helpers/fixtures.js';
import { startProcess, stopProcess, type Proc } from './helpers/processes.js';
import { missingServices, startPostgres, startRedis, type PostgresService, type RedisService } from './helpers/services.js';

/**
 * Two API instances (ROLE=api) and two workers (`npm run worker`) on one Redis and one
 * PostgreSQL, all started here on loopback. Jobs are small (mixed5b, a few steps): the point is
 * the plumbing, and the machine has two cores.
 */
const skip = missingServices();
if (skip) console.warn(`test/scale-out/scale-out.test.ts ${skip}`);

const START = `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id status } }`;
const JOB = `query ($id: ID!) { job(id: $id) { status stepsDone error { code message } result { values } } }`;
const PROGRESS = `subscription ($id: ID!) { jobProgress(id: $id) { status stepsDone done values error { code message } } }`;
const IMAGE = 'example-dog_cat_composite';
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'onnx-models');

/** Six small jobs: every method, two class pairs. */
const JOBS = [
  { method: 'SIMPLE', class1: 'Labrador retriever', class2: 'tiger cat' },
  { method: 'PATH', class1: 'Labrador retriever', class2: 'tiger cat', steps: 4, chunkSteps: 1 },
  { method: 'STOCHASTIC_PATH', class1: 'Labrador retriever', class2: 'tiger cat', steps: 4, chunkSteps: 2, seed: 7 },
  { method: 'SIMPLE', class1: 'tiger cat', class2: null },
  { method: 'PATH', class1: 'tiger cat', class2: 'logsumexp', steps: 3, chunkSteps: 1 },
  { method: 'STOCHASTIC_PATH', class1: 'tiger cat', class2: 'Labrador retriever', steps: 3, chunkSteps: 1, seed: 3 },
].map((j) => ({ imageId: IMAGE, layer: 'mixed5b', ...j }));

interface Progress {
  status: string;
  stepsDone: number;
  done: boolean;
  values: number[];
  error: { code: string; message: string } | null;
}

/** Follows a job to its end over SSE, checking that stepsDone never goes back. */
async function follow(url: string, id: string): Promise<Progress[]> {
  const events: Progress[] = [];
  await sseSubscribe(url, PROGRESS, { id }, (r) => {
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    events.push(r.data.jobProgress);
  });
  const steps = events.map((e) => e.stepsDone);
  expect(steps, `stepsDone of ${id}`).toEqual([...steps].sort((a, b) => a - b));
  expect(events.at(-1)!.done).toBe(true);
  return events;
}

function expectSameValues(actual: number[], expected: number[]) {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  expect(worst / scale).toBeLessThan(1e-5);
}

describe.skipIf(skip)('scale-out on Redis', () => {
  let redis: RedisService;
  let pg: PostgresService;
  const dirs: string[] = [];
  const procs: Proc[] = [];
  const api: { url: string; origin: string }[] = [];
  const workers: Proc[] = [];
  let embedded: number[][];

  // One MODELS_DIR for every process: the shared volume of docs/scale-out.md.
  let modelsDir = '';
  const env = () => ({
    REDIS_URL: redis.url,
    DATABASE_URL: pg.url,
    REDIS_PREFIX: 'scaleout-test',
    ENGINE_WORKERS: '1',
    MODELS_DIR: modelsDir,
  });

  async function startApi() {
    const dataDir = mkdtempSync(join(tmpdir(), 'scale-api-'));
    dirs.push(dataDir);
    const p = await startProcess(
      'server/main.ts',
      { ...env(), ROLE: 'api', PORT: '0', DATA_DIR: dataDir },
      /listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/,
    );
    procs.push(p);
    const origin = `http://127.0.0.1:${p.match[1]}`;
    return { url: `${origin}/graphql`, origin };
  }

  async function startWorker(extra: Record<string, string> = {}) {
    // A short lock, so that a dead worker is noticed within seconds rather than a minute;
    // a checkpoint after every chunk, so that a kill lands just after one.
    const p = await startProcess(
      'server/worker-main.ts',
      { ...env(), WORKER_LOCK_MS: '4000', WORKER_STALLED_INTERVAL_MS: '2000', CHECKPOINT_INTERVAL_MS: '0', ...extra },
      /worker ready/,
    );
    procs.push(p);
    return p;
  }

  beforeAll(async () => {
    // The oracle: the same jobs in embedded mode (in-process queue, SQLite), one at a time.
    const pool = await EnginePool.start({ size: 1 });
    const srv = await startTestServer(pool);
    try {
      embedded = [];
      for (const input of JOBS) {
        const { id } = (await gqlData(srv.url, START, { input })).startAttribution;
        const last = (await follow(srv.url, id)).at(-1)!;
        expect(last.status).toBe('SUCCEEDED');
        embedded.push(last.values);
      }
    } finally {
      await srv.close();
      await pool.close();
    }

    modelsDir = mkdtempSync(join(tmpdir(), 'scale-models-'));
    dirs.push(modelsDir);
    [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
    // Started one after another: four model loads at once would only compete for two cores.
    api.push(await startApi(), await startApi());
    workers.push(await startWorker(), await startWorker());
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p)));
    await Promise.all([redis?.stop(), pg?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('computes six jobs started through A and followed through B, with the embedded values', async () => {
    const [a, b] = api;
    const ids: string[] = [];
    for (const input of JOBS) ids.push((await gqlData(a.url, START, { input })).startAttribution.id);
    const streams = await Promise.all(ids.map((id) => follow(b.url, id)));
    streams.forEach((events, i) => {
      const last = events.at(-1)!;
      expect(last.status, JSON.stringify(last.error)).toBe('SUCCEEDED');
      expectSameValues(last.values, embedded[i]);
    });
    // Both instances read the same store.
    for (const [i, id] of ids.entries()) {
      const job = (await gqlData(a.url, JOB, { id })).job;
      expect(job.status).toBe('SUCCEEDED');
      expectSameValues(job.result.values, embedded[i]);
    }
    const health = await (await fetch(`${b.origin}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', redis: { status: 'up' }, database: 'postgres' });
  });

  it('lists a model imported through A on B at once, and a worker runs a job on it with PyTorch autograd values', async () => {
    const [a, b] = api;
    const imported = await importModel(a.url, folderFiles(join(FIXTURES, 'resnet')), { id: 'resnet' });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect((await gqlData(b.url, '{ models { id } }')).models.map((m: { id: string }) => m.id)).toEqual(['googlenet-bvlc', 'resnet']);
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'expected', 'resnet.json'), 'utf8'));
    const layer = ref.layers[0];
    const photo = readFileSync(join(REPO_ROOT, '..', 'shared', 'images', '224', ref.image.split('/').pop()));
    const { id: imageId } = (
      await gqlData(b.url, 'mutation ($d: String) { uploadImage(dataUrl: $d) { id } }', {
        d: `data:image/png;base64,${photo.toString('base64')}`,
      })
    ).uploadImage;
    const input = { model: 'resnet', imageId, layer: layer.module, class1: ref.class1.arg, class2: ref.class2.arg, method: 'SIMPLE' };
    const { id } = (await gqlData(b.url, START, { input })).startAttribution;
    const last = (await follow(a.url, id)).at(-1)!;
    expect(last.status, JSON.stringify(last.error)).toBe('SUCCEEDED');
    expect(relativeL2(last.values, layer.simple)).toBeLessThan(1e-3);
    const job = (await gqlData(a.url, `query ($id: ID!) { job(id: $id) { input { model } } }`, { id })).job;
    expect(job.input.model).toBe('resnet');
  });

  it('spreads the images of a multi-image job over both workers, each image as its single job; a worker killed mid-job loses only its image in flight', async () => {
    const [a, b] = api;
    const images = ['dog_cat_composite', 'chelsea_cat', 'fruits', 'coffee', 'eagle', 'squirrel'].map((n) => `example-${n}`);
    const settings = { layer: 'mixed5b', method: 'PATH', class1: 'Labrador retriever', class2: 'tiger cat', steps: 200, chunkSteps: 50 };
    const runsOf = (id: string, log: string) =>
      (log.match(new RegExp(`job ${id}: image \\d+ of ${images.length} on this worker`, 'g')) ?? []).length;
    const PER_IMAGE = `query ($id: ID!) { job(id: $id) { status result { values layers { perImage { imageIndex values } } } } }`;

    // 1. Both workers take images of one job; the lead streams the units the other stores.
    const spread = (await gqlData(a.url, START, { input: { ...settings, imageIds: images } })).startAttribution.id;
    const events = await withTimeout(follow(b.url, spread), 240_000, 'the multi-image job');
    expect(events.at(-1)!.status, JSON.stringify(events.at(-1)!.error)).toBe('SUCCEEDED');
    const runs = workers.map((w) => runsOf(spread, w.log()));
    expect(
      runs.every((n) => n > 0),
      `images per worker: ${runs}`,
    ).toBe(true);
    expect(runs[0] + runs[1]).toBe(images.length);
    // The oracle: each image's vector is its own single job's, bit for bit, whichever worker ran it.
    const result = (await gqlData(a.url, PER_IMAGE, { id: spread })).job.result;
    const perImage = result.layers[0].perImage as { imageIndex: number; values: number[] }[];
    expect(perImage.map((p) => p.imageIndex)).toEqual(images.map((_, i) => i));
    for (const i of [0, images.length - 1]) {
      const single = (await gqlData(a.url, START, { input: { ...settings, imageId: images[i] } })).startAttribution.id;
      const end = (await withTimeout(follow(b.url, single), 120_000, 'a single job')).at(-1)!;
      expect(perImage[i].values).toEqual(end.values);
    }
    const mean = result.values.map((_: number, c: number) => perImage.reduce((t, p) => t + p.values[c], 0) / images.length);
    expectSameValues(result.values, mean);

    // 2. A worker killed once some images are stored: the job ends, and only the image it had in flight runs again.
    const killed = (await gqlData(a.url, START, { input: { ...settings, imageIds: images, seed: 1 } })).startAttribution.id;
    const stream = follow(b.url, killed);
    await waitFor(async () => {
      const job = (await gqlData(b.url, `query ($id: ID!) { job(id: $id) { result { images { done } } } }`, { id: killed })).job;
      return (job.result?.images?.done ?? 0) >= 2;
    }, 120_000);
    const victim = workers.shift()!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const end = (await withTimeout(stream, 240_000, 'the multi-image job after a worker was killed')).at(-1)!;
    expect(end.status, JSON.stringify(end.error)).toBe('SUCCEEDED');
    const total = runsOf(killed, victim.log()) + runsOf(killed, workers[0].log());
    expect(total).toBeGreaterThanOrEqual(images.length);
    expect(total).toBeLessThanOrEqual(images.length + 1);
    const after = (await gqlData(a.url, PER_IMAGE, { id: killed })).job.result.layers[0].perImage as { values: number[] }[];
    // PATH ignores the seed: the same vectors as the uninterrupted job.
    expect(after.map((p) => p.values)).toEqual(perImage.map((p) => p.values));
    workers.push(await startWorker());
  });

  it('hands the job of a worker killed mid-job (SIGKILL) to the other worker, which resumes it from its last checkpoint with exactly the uninterrupted values', async () => {
    const [a, b] = api;
    // mixed5b steps take a few milliseconds: 2000 of them leave time to kill a worker mid-job.
    const input = {
      imageId: IMAGE,
      layer: 'mixed5b',
      method: 'PATH',
      class1: 'Labrador retriever',
      class2: 'tiger cat',
      steps: 2000,
      chunkSteps: 20,
    };
    // Two jobs for two idle workers (one job at a time each): each worker holds one.
    const ids = [
      (await gqlData(a.url, START, { input })).startAttribution.id,
      (await gqlData(a.url, START, { input })).startAttribution.id,
    ];
    const streams = ids.map((id) => follow(b.url, id));
    await waitFor(async () => {
      const jobs = await Promise.all(ids.map(async (id) => (await gqlData(b.url, JOB, { id })).job));
      return jobs.every((j) => j.status === 'RUNNING' && j.stepsDone >= 100);
    }, 60_000);
    const victim = workers.shift()!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const survivor = workers[0];

    const ends = (await withTimeout(Promise.all(streams), 150_000, 'jobs after a worker was killed')).map((events) => events.at(-1)!);
    for (const end of ends) {
      // maxStalledCount 1: the orphaned job is handed on once, so it finishes.
      expect(end.status, JSON.stringify(end.error)).toBe('SUCCEEDED');
    }
    // The survivor took the orphan up mid-path, from the checkpoint PostgreSQL held...
    const resumed = new RegExp(`job (${ids.join('|')}) resumed from step (\\d+)`).exec(survivor.log());
    expect(resumed, survivor.log()).not.toBeNull();
    expect(Number(resumed![2])).toBeGreaterThanOrEqual(100);
    // ...and the resumed job ends bit for bit where the uninterrupted one does (same input, same executor).
    expect(ends[0].values).toEqual(ends[1].values);
    const results = await Promise.all(
      ids.map(
        async (id) =>
          (
            await gqlData(
              a.url,
              `query ($id: ID!) { job(id: $id) { result { top { channel value } bottom { channel value } completenessGap } } }`,
              { id },
            )
          ).job.result,
      ),
    );
    expect(results[0]).toEqual(results[1]);
    // BullMQ's stalled-job check handed exactly one of them on.
    const redisClient = connectRedis(redis.url);
    const queue = new Queue('jobs', { connection: redisClient, prefix: 'scaleout-test' });
    const starts = await Promise.all(ids.map(async (id) => (await queue.getJob(id))!.attemptsStarted));
    await queue.close();
    redisClient.disconnect();
    expect(starts.sort()).toEqual([1, 2]);
    workers.push(await startWorker());
  });

  it('cancels through B a job queued through A and running on a worker, and one still waiting', async () => {
    const [a, b] = api;
    const CANCEL = `mutation ($id: ID!) { cancelJob(id: $id) { status stepsDone } }`;
    const input = {
      imageId: IMAGE,
      layer: 'mixed5b',
      method: 'PATH',
      class1: 'Labrador retriever',
      class2: null,
      steps: 2000,
      chunkSteps: 20,
    };
    // Three jobs, two workers: the third waits in the queue.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await gqlData(a.url, START, { input: { ...input, seed: i } })).startAttribution.id);
    const streams = ids.map((id) => follow(a.url, id));
    await waitFor(async () => (await gqlData(b.url, JOB, { id: ids[0] })).job.stepsDone >= 100, 60_000);
    const waiting = (await gqlData(b.url, CANCEL, { id: ids[2] })).cancelJob;
    const running = (await gqlData(b.url, CANCEL, { id: ids[0] })).cancelJob;
    expect(running.status).toBe('CANCELLED');
    expect(running.stepsDone).toBeGreaterThanOrEqual(100);
    expect(running.stepsDone).toBeLessThan(2000);
    expect(waiting.status).toBe('CANCELLED');
    const ends = (await withTimeout(Promise.all(streams), 120_000, 'cancelled jobs')).map((e) => e.at(-1)!);
    expect(ends.map((e) => e.status)).toEqual(['CANCELLED', 'SUCCEEDED', 'CANCELLED']);
    expect(ends[0].stepsDone).toBe(running.stepsDone);
  });

  it('marks a job INTERRUPTED, with the reason, once its workers died more often than allowed', async () => {
    const [a, b] = api;
    // Only workers that hand a job on no time (WORKER_MAX_STALLED=0): the next death is final.
    await Promise.all(workers.splice(0).map((w) => stopProcess(w)));
    const strict = await startWorker({ WORKER_MAX_STALLED: '0' });
    const input = { imageId: IMAGE, layer: 'mixed5b', method: 'PATH', class1: 'tiger cat', class2: null, steps: 2000, chunkSteps: 20 };
    const { id } = (await gqlData(a.url, START, { input })).startAttribution;
    const stream = follow(b.url, id);
    await waitFor(async () => (await gqlData(b.url, JOB, { id })).job.stepsDone >= 100, 60_000);
    strict.child.kill('SIGKILL');
    await strict.exited;
    // The next worker's stalled-job check finds the job orphaned once too often.
    workers.push(await startWorker({ WORKER_MAX_STALLED: '0' }));
    const end = (await withTimeout(stream, 60_000, 'the orphaned job')).at(-1)!;
    expect(end.status).toBe('INTERRUPTED');
    expect(end.error).toMatchObject({ code: 'INTERRUPTED', message: expect.stringMatching(/stalled/) });
    expect(end.stepsDone).toBeGreaterThanOrEqual(100);
    const job = (await gqlData(a.url, JOB, { id })).job;
    expect(job).toMatchObject({ status: 'INTERRUPTED', error: { code: 'INTERRUPTED' } });
    workers.push(await startWorker());
  });

  it('reports a Redis restart through errors and /health, and recovers without restarting', async () => {
    const [a, b] = api;
    const input = {
      imageId: IMAGE,
      layer: 'mixed5b',
      method: 'PATH',
      class1: 'tiger cat',
      class2: 'Labrador retriever',
      steps: 1000,
      chunkSteps: 10,
    };
    const { id } = (await gqlData(a.url, START, { input })).startAttribution;
    const stream = follow(b.url, id);
    await waitFor(async () => (await gqlData(b.url, JOB, { id })).job.stepsDone >= 10, 60_000);

    await redis.kill();
    // Each instance notices the outage on its own connection's schedule: wait for both.
    await waitFor(
      async () => (await fetch(`${a.origin}/health`)).status === 503 && (await fetch(`${b.origin}/health`)).status === 503,
      15_000,
    );
    const health = await (await fetch(`${b.origin}/health`)).json();
    expect(health).toMatchObject({ status: 'degraded', redis: { status: 'down' } });
    const refused = await gql(a.url, START, { input });
    expect(refused.errors?.[0].extensions?.code).toBe('QUEUE_UNAVAILABLE');
    expect(refused.errors?.[0].message).toMatch(/unavailable/);
    // The job database is not Redis: jobs can still be read.
    expect((await gqlData(b.url, JOB, { id })).job.status).toBe('RUNNING');

    await redis.start();
    await waitFor(
      async () => (await fetch(`${a.origin}/health`)).status === 200 && (await fetch(`${b.origin}/health`)).status === 200,
      30_000,
    );
    const end = (await withTimeout(stream, 120_000, 'the job across the outage')).at(-1)!;
    expect(end.status, JSON.stringify(end.error)).toBe('SUCCEEDED');
    // Same processes, new jobs.
    const again = (await gqlData(a.url, START, { input: { ...input, steps: 20 } })).startAttribution.id;
    expect((await withTimeout(follow(b.url, again), 120_000, 'a job after the outage')).at(-1)!.status).toBe('SUCCEEDED');
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms))),
  ]);
}
