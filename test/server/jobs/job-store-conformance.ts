import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/engine/attribution/types.js';
import type { JobCheckpoint, NewJob } from '../../../server/jobs/job-record.js';
import type { SqlDriver } from '../../../server/jobs/sql/sql-driver.js';
import { jobTableMigrations } from '../../../server/jobs/sql/job-tables.js';
import type { JobStore } from '../../../server/jobs/job-store.js';

/** One suite every JobStore must pass (STYLE.md, "Apply here" 10). */
export function describeJobStore(name: string, open: () => { store: JobStore; reopen?: () => JobStore }) {
  describe(`JobStore conformance: ${name}`, () => {
    let store: JobStore;
    let reopen: (() => JobStore) | undefined;
    beforeEach(() => ({ store, reopen } = open()));
    afterEach(async () => store.close());

    it('creates a QUEUED job and reads every field back', async () => {
      const created = await store.create(newJob('a'));
      expect(created).toMatchObject({ id: 'a', groupId: 'g', status: 'QUEUED', stepsDone: 0, stepsTotal: 50 });
      expect(created.input).toEqual(newJob('a').input);
      expect(created.request).toEqual(newJob('a').request);
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.startedAt).toBeNull();
      expect(created.snapshot).toBeNull();
      expect(await store.get('a')).toEqual(created);
      expect(await store.get('missing')).toBeNull();
    });

    it('rejects a duplicate id', async () => {
      await store.create(newJob('a'));
      await expect(store.create(newJob('a'))).rejects.toThrow();
    });

    it('applies patches, including clearing the error', async () => {
      await store.create(newJob('a'));
      const startedAt = new Date(1_700_000_000_000);
      await store.update('a', { status: 'RUNNING', startedAt, backend: 'tfjs-wasm' });
      expect(await store.get('a')).toMatchObject({ status: 'RUNNING', startedAt, backend: 'tfjs-wasm' });
      await store.update('a', { status: 'FAILED', error: { code: 'BAD_IMAGE', message: 'no' } });
      expect((await store.get('a'))!.error).toEqual({ code: 'BAD_IMAGE', message: 'no' });
      await store.update('a', { error: null });
      expect((await store.get('a'))!.error).toBeNull();
    });

    it('keeps snapshots exactly, NaN and Infinity included', async () => {
      await store.create(newJob('a'));
      const s = snapshot(30, [0.1, -2.5e-8, 3]);
      s.completenessGap = Infinity;
      s.rankStability = NaN;
      await store.saveSnapshot('a', s);
      const back = (await store.get('a'))!;
      expect(back.stepsDone).toBe(30);
      expect(back.snapshot).toEqual(s);
    });

    it('keeps every snapshot as history, fewest steps first; a step count written again keeps its latest', async () => {
      await store.create(newJob('a'));
      await store.create(newJob('b'));
      await store.saveSnapshot('a', snapshot(10, [1, 2]));
      await store.saveSnapshot('b', snapshot(10, [9, 9]));
      await store.saveSnapshot('a', snapshot(20, [3, 4]), checkpoint(20, 1));
      await store.saveSnapshot('a', snapshot(20, [5, 6]));
      await store.finish('a', { status: 'SUCCEEDED', finishedAt: new Date(), error: null, snapshot: snapshot(50, [7, 8], true) });
      const h = await store.history('a');
      expect(h.map((x) => x.stepsDone)).toEqual([10, 20, 50]);
      expect(h.map((x) => x.values)).toEqual([
        [1, 2],
        [5, 6],
        [7, 8],
      ]);
      expect(h[0]).toEqual(snapshot(10, [1, 2]));
      expect((await store.history('b')).map((x) => x.values)).toEqual([[9, 9]]);
      expect(await store.history('none')).toEqual([]);
    });

    it('keeps the spatial map bit for bit', async () => {
      await store.create(newJob('a'));
      const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 1e-3);
      await store.saveSpatial('a', { height: 2, width: 3, channels: 4, data });
      const back = (await store.getSpatial('a'))!;
      expect(back).toMatchObject({ height: 2, width: 3, channels: 4 });
      expect(Array.from(back.data)).toEqual(Array.from(data));
      expect(await store.getSpatial('missing')).toBeNull();
    });

    it('keeps the finished units of a multi job, their snapshots exactly and their maps bit for bit', async () => {
      await store.create(newJob('a'));
      await store.create(newJob('b'));
      const map = (seed: number) => ({
        height: 2,
        width: 1,
        channels: 3,
        data: Float32Array.from({ length: 6 }, (_, i) => Math.cos(i * seed) * 1e-4),
      });
      await store.saveUnit('a', { imageIndex: 1, layer: 'mixed5a', snapshot: snapshot(8, [1, 2, 3], true) }, map(1));
      await store.saveUnit('a', { imageIndex: 0, layer: 'mixed3b', snapshot: snapshot(8, [0.5, -1e-9, 7], true) }, map(2));
      await store.saveUnit('b', { imageIndex: 0, layer: 'mixed3b', snapshot: snapshot(4, [9, 9, 9], true) }, map(3));
      // A unit written again replaces it.
      await store.saveUnit('a', { imageIndex: 1, layer: 'mixed5a', snapshot: snapshot(16, [4, 5, 6], true) }, map(4));
      const units = await store.units('a');
      expect(units.map((u) => [u.imageIndex, u.layer, u.snapshot.stepsDone])).toEqual([
        [0, 'mixed3b', 8],
        [1, 'mixed5a', 16],
      ]);
      expect(units[0].snapshot).toEqual(snapshot(8, [0.5, -1e-9, 7], true));
      expect(Array.from((await store.unitSpatial('a', 1, 'mixed5a'))!.data)).toEqual(Array.from(map(4).data));
      expect(await store.unitSpatial('a', 2, 'mixed5a')).toBeNull();
      expect(await store.units('none')).toEqual([]);
    });

    it('lists newest first, pages with cursors and filters by status', async () => {
      for (const id of ['j1', 'j2', 'j3', 'j4', 'j5']) await store.create(newJob(id));
      await store.update('j2', { status: 'SUCCEEDED' });
      await store.update('j4', { status: 'SUCCEEDED' });
      const p1 = await store.list({ first: 2 });
      expect(p1.jobs.map((j) => j.id)).toEqual(['j5', 'j4']);
      expect(p1.hasNextPage).toBe(true);
      const p2 = await store.list({ first: 2, after: p1.endCursor });
      expect(p2.jobs.map((j) => j.id)).toEqual(['j3', 'j2']);
      const p3 = await store.list({ first: 2, after: p2.endCursor });
      expect(p3.jobs.map((j) => j.id)).toEqual(['j1']);
      expect(p3.hasNextPage).toBe(false);
      expect(p1.cursors.at(-1)).toBe(p1.endCursor);
      expect((await store.list({ first: 10, after: p1.cursors[0] })).jobs[0].id).toBe('j4');
      expect((await store.list({ first: 10, after: 'not a cursor' })).jobs).toEqual([]);
      const done = await store.list({ first: 10, status: 'SUCCEEDED' });
      expect(done.jobs.map((j) => j.id)).toEqual(['j4', 'j2']);
      expect((await store.list({ first: 10, status: 'FAILED' })).jobs).toEqual([]);
    });

    it('keeps a checkpoint with its snapshot, bit for bit, until the job finishes', async () => {
      await store.create(newJob('a'));
      expect(await store.getCheckpoint('a')).toBeNull();
      const first = checkpoint(20, 3);
      await store.saveSnapshot('a', snapshot(20, [1, 2]), first);
      expect(await store.getCheckpoint('a')).toEqual(first);
      // A snapshot without a checkpoint (between checkpoints) keeps the last checkpoint.
      await store.saveSnapshot('a', snapshot(30, [1, 2]));
      expect(await store.getCheckpoint('a')).toEqual(first);
      expect((await store.get('a'))!.stepsDone).toBe(30);
      const second = checkpoint(40, 5);
      await store.saveSnapshot('a', snapshot(40, [3, 4]), second);
      expect(await store.getCheckpoint('a')).toEqual(second);
      expect(await store.getCheckpoint('missing')).toBeNull();
    });

    it('finishes a job at once: status, final snapshot, spatial map and backend, and drops its checkpoint', async () => {
      await store.create(newJob('a'));
      await store.update('a', { status: 'RUNNING' });
      await store.saveSnapshot('a', snapshot(20, [1, 2]), checkpoint(20, 1));
      const finishedAt = new Date(1_700_000_000_123);
      const final = snapshot(50, [5, -6], true);
      const data = Float32Array.of(1, 2, 3, 4);
      await store.finish('a', {
        status: 'SUCCEEDED',
        finishedAt,
        error: null,
        snapshot: final,
        spatial: { height: 1, width: 2, channels: 2, data },
        backend: 'onnxruntime-cpu',
      });
      expect(await store.get('a')).toMatchObject({
        status: 'SUCCEEDED',
        finishedAt,
        error: null,
        stepsDone: 50,
        snapshot: final,
        backend: 'onnxruntime-cpu',
      });
      expect(Array.from((await store.getSpatial('a'))!.data)).toEqual([1, 2, 3, 4]);
      expect(await store.getCheckpoint('a')).toBeNull();
      // A cancelled job keeps the snapshot it had.
      await store.create(newJob('b'));
      await store.saveSnapshot('b', snapshot(10, [7, 8]), checkpoint(10, 1));
      await store.finish('b', { status: 'CANCELLED', finishedAt, error: null });
      expect(await store.get('b')).toMatchObject({ status: 'CANCELLED', stepsDone: 10, snapshot: snapshot(10, [7, 8]) });
      expect(await store.getCheckpoint('b')).toBeNull();
    });

    it('lists unfinished jobs oldest first', async () => {
      for (const id of ['q1', 'r', 's', 'q2']) await store.create(newJob(id));
      await store.update('r', { status: 'RUNNING' });
      await store.update('s', { status: 'SUCCEEDED' });
      expect((await store.unfinished()).map((j) => [j.id, j.status])).toEqual([
        ['q1', 'QUEUED'],
        ['r', 'RUNNING'],
        ['q2', 'QUEUED'],
      ]);
    });

    it("records each job's model, and says whether a job on a model is queued or running", async () => {
      await store.create({ ...newJob('a'), model: 'resnet-18' });
      await store.create(newJob('b'));
      expect((await store.get('a'))!.model).toBe('resnet-18');
      expect((await store.get('b'))!.model).toBe('googlenet-bvlc');
      expect(await store.hasUnfinished('resnet-18')).toBe(true);
      await store.update('a', { status: 'RUNNING' });
      expect(await store.hasUnfinished('resnet-18')).toBe(true);
      await store.finish('a', { status: 'CANCELLED', finishedAt: new Date(), error: null });
      expect(await store.hasUnfinished('resnet-18')).toBe(false);
      expect(await store.hasUnfinished('other')).toBe(false);
      expect(await store.hasUnfinished('googlenet-bvlc')).toBe(true);
    });

    it('keeps jobs across a reopen, when the store is durable', async () => {
      if (!reopen) return;
      await store.create(newJob('a'));
      await store.saveSnapshot('a', snapshot(50, [1, 2]));
      await store.close();
      store = reopen();
      expect((await store.get('a'))!.snapshot!.values).toEqual([1, 2]);
      await store.saveSnapshot('a', snapshot(50, [1, 2]), checkpoint(50, 2));
      await store.close();
      store = reopen();
      expect(await store.getCheckpoint('a')).toEqual(checkpoint(50, 2));
    });
  });
}

/**
 * A database written before jobs had a model (schema version 3) opens with every job on the
 * built-in model, its other columns untouched.
 */
export function describeModelMigration(name: string, driver: () => Promise<SqlDriver>, openStore: () => JobStore) {
  it(`migrates a version-3 database: its jobs are the built-in model's (${name})`, async () => {
    const old = await driver();
    await old.migrate(jobTableMigrations(old.dialect).slice(0, 3));
    const job = newJob('old');
    await old.run(
      `INSERT INTO jobs (id, group_id, input, request, status, steps_done, steps_total, created_at) VALUES (?, ?, ?, ?, 'SUCCEEDED', 50, 50, ?)`,
      [job.id, job.groupId, JSON.stringify(job.input), JSON.stringify(job.request), 1_700_000_000_000],
    );
    await old.close();
    const store = openStore();
    try {
      const back = (await store.get('old'))!;
      expect(back).toMatchObject({
        id: 'old',
        model: 'googlenet-bvlc',
        status: 'SUCCEEDED',
        stepsDone: 50,
        input: job.input,
        request: job.request,
      });
      await store.create({ ...newJob('new'), model: 'mine' });
      expect((await store.get('new'))!.model).toBe('mine');
    } finally {
      await store.close();
    }
  });
}

/**
 * The transaction every driver must give the store: all statements or none. The second
 * statement violates the primary key after the first has run.
 */
export function describeSqlDriverTransactions(name: string, open: () => Promise<SqlDriver>) {
  describe(`SqlDriver transactions: ${name}`, () => {
    it('applies all statements or none', async () => {
      const driver = await open();
      try {
        await driver.run('CREATE TABLE tx_probe (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
        expect(
          await driver.transaction([{ sql: 'INSERT INTO tx_probe (k, v) VALUES (?, ?)', params: [1, 'a'] }], { durable: true }),
        ).toEqual([1]);
        await expect(
          driver.transaction([
            { sql: 'UPDATE tx_probe SET v = ? WHERE k = ?', params: ['changed', 1] },
            { sql: 'INSERT INTO tx_probe (k, v) VALUES (?, ?)', params: [1, 'duplicate'] },
          ]),
        ).rejects.toThrow();
        expect(await driver.all('SELECT k, v FROM tx_probe')).toEqual([{ k: 1, v: 'a' }]);
        expect(
          await driver.transaction([
            { sql: 'UPDATE tx_probe SET v = ? WHERE k = ?', params: ['b', 1] },
            { sql: 'DELETE FROM tx_probe WHERE k = ?', params: [2] },
          ]),
        ).toEqual([1, 0]);
        expect(await driver.all('SELECT k, v FROM tx_probe')).toEqual([{ k: 1, v: 'b' }]);
      } finally {
        await driver.close();
      }
    });
  });
}

/** A checkpoint whose bytes are every value 0..255 and some floats' bytes: any re-encoding shows. */
export function checkpoint(stepsDone: number, seed: number): JobCheckpoint {
  const floats = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i * seed) * 10 ** ((i % 20) - 10));
  const data = new Uint8Array(256 + floats.byteLength);
  for (let i = 0; i < 256; i++) data[i] = i;
  data.set(new Uint8Array(floats.buffer), 256);
  return { stepsDone, backend: 'onnxruntime-cpu', data };
}

export function newJob(id: string): NewJob {
  return {
    id,
    groupId: 'g',
    input: { imageId: 'img', layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 50 },
    model: 'googlenet-bvlc',
    request: {
      layer: 'mixed4d',
      score: { class1: { kind: 'class', index: 208 }, class2: { kind: 'class', index: 282 } },
      class1Label: 'Labrador retriever',
      class2Label: 'tiger cat',
      method: 'PATH',
      steps: 50,
      rule: 'LEFT_RIEMANN',
      seed: 0,
      topK: 10,
      chunkSteps: 10,
      batchSize: 10,
    },
    stepsTotal: 50,
  };
}

export function snapshot(stepsDone: number, values: number[], done = false): Snapshot {
  return {
    stepsDone,
    stepsTotal: 50,
    values,
    errors: values.map((v) => Math.abs(v) / stepsDone),
    relativeError: 1 / stepsDone,
    settled: stepsDone >= 30,
    top: [{ channel: 0, value: values[0], rank: 1 }],
    bottom: [{ channel: 1, value: values[1], rank: 1 }],
    score: 1.5,
    baselineScore: -0.25,
    completenessGap: 0.01,
    rankStability: 1,
    elapsedMs: 12,
    etaMs: 3,
    done,
  };
}
