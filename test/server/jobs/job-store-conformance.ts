import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/engine/attribution/types.js';
import type { NewJob } from '../../../server/jobs/job-record.js';
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

    it('keeps the spatial map bit for bit', async () => {
      await store.create(newJob('a'));
      const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 1e-3);
      await store.saveSpatial('a', { height: 2, width: 3, channels: 4, data });
      const back = (await store.getSpatial('a'))!;
      expect(back).toMatchObject({ height: 2, width: 3, channels: 4 });
      expect(Array.from(back.data)).toEqual(Array.from(data));
      expect(await store.getSpatial('missing')).toBeNull();
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

    it('marks QUEUED and RUNNING jobs INTERRUPTED and leaves finished ones alone', async () => {
      for (const id of ['q', 'r', 's']) await store.create(newJob(id));
      await store.update('r', { status: 'RUNNING' });
      await store.update('s', { status: 'SUCCEEDED' });
      expect(await store.interruptUnfinished(new Date())).toBe(2);
      expect((await store.get('q'))!.status).toBe('INTERRUPTED');
      expect((await store.get('r'))!.status).toBe('INTERRUPTED');
      expect((await store.get('r'))!.error?.code).toBe('INTERRUPTED');
      expect((await store.get('s'))!.status).toBe('SUCCEEDED');
    });

    it('keeps jobs across a reopen, when the store is durable', async () => {
      if (!reopen) return;
      await store.create(newJob('a'));
      await store.saveSnapshot('a', snapshot(50, [1, 2]));
      await store.close();
      store = reopen();
      expect((await store.get('a'))!.snapshot!.values).toEqual([1, 2]);
    });
  });
}

export function newJob(id: string): NewJob {
  return {
    id,
    groupId: 'g',
    input: { imageId: 'img', layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 50 },
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
