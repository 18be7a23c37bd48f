import { describe, expect, it } from 'vitest';
import type { AttributionResult } from '../../../server/engine/attribution/types.js';
import { EngineError } from '../../../server/errors/engine-error.js';
import { QueueFullError } from '../../../server/errors/queue-full-error.js';
import { InProcessJobEvents } from '../../../server/jobs/in-process-job-events.js';
import type { JobRecord } from '../../../server/jobs/job-record.js';
import { InProcessJobQueue } from '../../../server/jobs/in-process-job-queue.js';
import { JobRunner, type JobExecutor } from '../../../server/jobs/job-runner.js';
import { SqliteJobStore } from '../../../server/jobs/sql/sqlite-job-store.js';
import { newJob, snapshot } from './job-store-conformance.js';

/**
 * An executor the test steps by hand: each `release(id)` lets job `id` compute one chunk.
 * It checks the abort signal between chunks, as the engine does.
 */
function steppedExecutor(chunks = 3) {
  const gates = new Map<string, (() => void)[]>();
  const started: string[] = [];
  /** The checkpoint each run was handed, by job id. */
  const resumedFrom = new Map<string, number[] | null>();
  const waitGate = (id: string) => new Promise<void>((resolve) => gates.get(id)!.push(resolve));
  // Its checkpoints are the chunk count as one byte, so a resume starts after it.
  const execute: JobExecutor = async (job, onSnapshot, signal, { resumeFrom }) => {
    started.push(job.id);
    resumedFrom.set(job.id, resumeFrom ? Array.from(resumeFrom) : null);
    if (resumeFrom && resumeFrom[0] > chunks) throw new EngineError('BAD_CHECKPOINT', 'The checkpoint cannot be read (too many chunks).');
    gates.set(job.id, []);
    for (let c = (resumeFrom?.[0] ?? 0) + 1; c <= chunks; c++) {
      await waitGate(job.id);
      if (signal.aborted) throw new EngineError('CANCELLED', 'cancelled');
      if (job.input.class1 === 'explode') throw new Error('secret internals');
      if (job.input.class1 === 'bad layer') throw new EngineError('UNKNOWN_LAYER', 'no such layer');
      onSnapshot(snapshot(c * 10, [c, -c], c === chunks), undefined, Uint8Array.of(c));
    }
    return result(chunks);
  };
  const release = async (id: string) => {
    for (let i = 0; i < 100 && !gates.get(id)?.length; i++) await new Promise((r) => setTimeout(r, 1));
    gates.get(id)!.shift()!();
    await new Promise((r) => setTimeout(r, 5));
  };
  return { execute, started, release, resumedFrom };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

function result(chunks: number): AttributionResult {
  return {
    ...snapshot(chunks * 10, [chunks, -chunks], true),
    backend: 'test',
    layer: 'mixed4d',
    spatial: { height: 1, width: 1, channels: 2, data: Float32Array.of(chunks, -chunks) },
    integratedGradient: Float32Array.of(1, 1),
  };
}

async function setup(maxQueued: number, concurrency: number, chunks = 3, store = new SqliteJobStore(':memory:'), backend = 'test') {
  const events = new InProcessJobEvents();
  const exec = steppedExecutor(chunks);
  const runner = new JobRunner({ store, events, execute: exec.execute, backend, logName: 'server' });
  const queue = new InProcessJobQueue({ runner, maxQueued, concurrency });
  const add = async (id: string, class1 = 'Labrador retriever'): Promise<JobRecord> => {
    const job = newJob(id);
    job.input.class1 = class1;
    return store.create(job);
  };
  return { store, events, queue, ...exec, add };
}

describe('InProcessJobQueue', () => {
  it('runs jobs FIFO under the concurrency limit', async () => {
    const q = await setup(10, 1, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b'), await q.add('c')]);
    await tick();
    expect(q.started).toEqual(['a']);
    expect(q.queue.stats()).toMatchObject({ queued: 2, running: 1 });
    await q.release('a');
    expect(q.started).toEqual(['a', 'b']);
    await q.release('b');
    await q.release('c');
    expect(q.started).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) expect((await q.store.get(id))!.status).toBe('SUCCEEDED');
  });

  it('runs up to `concurrency` jobs at once', async () => {
    const q = await setup(10, 2, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b'), await q.add('c')]);
    await tick();
    expect(q.started).toEqual(['a', 'b']);
    await q.release('b');
    expect(q.started).toEqual(['a', 'b', 'c']);
  });

  it('refuses past MAX_QUEUED with QueueFullError, all or nothing, not counting running jobs', async () => {
    const q = await setup(2, 1);
    q.queue.enqueue([await q.add('run')]);
    q.queue.enqueue([await q.add('w1'), await q.add('w2')]);
    const x = await q.add('x');
    expect(() => q.queue.enqueue([x])).toThrow(QueueFullError);
    await q.queue.cancel('w2');
    // One slot is free, but two jobs do not fit: none is added.
    expect(q.queue.hasRoom(2)).toBe(false);
    const ys = [await q.add('y1'), await q.add('y2')];
    expect(() => q.queue.enqueue(ys)).toThrow(QueueFullError);
    expect(q.queue.stats().queued).toBe(1);
  });

  it('stores each snapshot, then the final result and spatial map', async () => {
    const q = await setup(10, 1);
    q.queue.enqueue([await q.add('a')]);
    await q.release('a');
    const mid = (await q.store.get('a'))!;
    expect(mid).toMatchObject({ status: 'RUNNING', stepsDone: 10, backend: 'test' });
    await q.release('a');
    await q.release('a');
    const done = (await q.store.get('a'))!;
    expect(done).toMatchObject({ status: 'SUCCEEDED', stepsDone: 30, error: null });
    expect(done.snapshot!.done).toBe(true);
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(Array.from((await q.store.getSpatial('a'))!.data)).toEqual([3, -3]);
  });

  it('cancels a queued job at once', async () => {
    const q = await setup(10, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b')]);
    expect(await q.queue.cancel('b')).toBe(true);
    expect((await q.store.get('b'))!.status).toBe('CANCELLED');
    await q.release('a');
    await q.release('a');
    await q.release('a');
    expect(q.started).toEqual(['a']);
  });

  it('cancels a running job between chunks and keeps its partial result', async () => {
    const q = await setup(10, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b')]);
    await q.release('a');
    const sub = q.events.subscribe('a');
    const cancelled = q.queue.cancel('a');
    await q.release('a'); // the chunk in flight ends, then the executor sees the signal
    expect(await cancelled).toBe(true);
    const job = (await q.store.get('a'))!;
    expect(job).toMatchObject({ status: 'CANCELLED', stepsDone: 10 });
    expect(job.snapshot!.values).toEqual([1, -1]);
    const seen: string[] = [];
    for await (const e of sub) seen.push(e.status);
    expect(seen.at(-1)).toBe('CANCELLED');
    expect(q.started).toEqual(['a', 'b']);
    expect(await q.queue.cancel('a')).toBe(false);
  });

  it('records engine errors by code and masks unexpected ones', async () => {
    const q = await setup(10, 2, 1);
    q.queue.enqueue([await q.add('a', 'bad layer'), await q.add('b', 'explode')]);
    await q.release('a');
    await q.release('b');
    expect((await q.store.get('a'))!.error).toEqual({ code: 'UNKNOWN_LAYER', message: 'no such layer' });
    const b = (await q.store.get('b'))!;
    expect(b.status).toBe('FAILED');
    expect(b.error!.code).toBe('INTERNAL_SERVER_ERROR');
    expect(b.error!.message).not.toContain('secret');
  });

  it('on close, leaves queued jobs QUEUED and stops running ones after their chunk in flight, RUNNING with its checkpoint', async () => {
    const q = await setup(10, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b')]);
    await q.release('a');
    const closed = q.queue.close();
    await q.release('a'); // the executor sees the signal at its next chunk
    await closed;
    expect(await q.store.get('a')).toMatchObject({ status: 'RUNNING', stepsDone: 10, finishedAt: null });
    expect(await q.store.getCheckpoint('a')).toEqual({ stepsDone: 10, backend: 'test', data: Uint8Array.of(1) });
    expect((await q.store.get('b'))!.status).toBe('QUEUED');
    expect(q.started).toEqual(['a']);
  });

  it('resumes restored jobs from their checkpoints, oldest first, and publishes nothing a subscriber has already seen', async () => {
    const store = new SqliteJobStore(':memory:');
    const first = await setup(10, 1, 3, store);
    first.queue.enqueue([await first.add('a'), await first.add('b')]);
    await first.release('a');
    const closed = first.queue.close();
    await first.release('a');
    await closed;

    const second = await setup(10, 1, 3, store);
    const steps: [string, number][] = [];
    const followed = (async () => {
      for await (const e of second.events.subscribe('a')) steps.push([e.status, e.snapshot?.stepsDone ?? 0]);
    })();
    second.queue.restore(await store.unfinished());
    await tick();
    expect(second.started).toEqual(['a']);
    expect(second.resumedFrom.get('a')).toEqual([1]);
    await second.release('a');
    await second.release('a');
    expect(second.started).toEqual(['a', 'b']);
    expect(second.resumedFrom.get('b')).toBeNull();
    await followed;
    // It restarts where the store stood (10), then the resumed chunks, then the end.
    expect(steps).toEqual([
      ['RUNNING', 10],
      ['RUNNING', 20],
      ['SUCCEEDED', 30],
    ]);
    expect(await store.get('a')).toMatchObject({ status: 'SUCCEEDED', stepsDone: 30 });
    expect(await store.getCheckpoint('a')).toBeNull();
  });

  it('marks a job INTERRUPTED, saying why, when its checkpoint is from another executor or cannot be read', async () => {
    const store = new SqliteJobStore(':memory:');
    const first = await setup(10, 2, 3, store);
    first.queue.enqueue([await first.add('a'), await first.add('b')]);
    await first.release('a');
    await first.release('b');
    const closed = first.queue.close();
    await first.release('a');
    await first.release('b');
    await closed;
    // 'b' claims more chunks than it has: the engine refuses the checkpoint.
    await store.saveSnapshot('b', snapshot(10, [1, -1]), { stepsDone: 10, backend: 'test', data: Uint8Array.of(9) });
    const [a] = await store.unfinished();
    await store.saveSnapshot('a', a.snapshot!, { stepsDone: 10, backend: 'tfjs-wasm', data: Uint8Array.of(1) });

    const second = await setup(10, 2, 3, store, 'test');
    second.queue.restore(await store.unfinished());
    await tick();
    expect(second.started).toEqual(['b']);
    expect(await store.get('a')).toMatchObject({
      status: 'INTERRUPTED',
      error: { code: 'INTERRUPTED', message: expect.stringMatching(/computed by tfjs-wasm and this server runs test.*restartJob/) },
    });
    expect(await store.get('b')).toMatchObject({
      status: 'INTERRUPTED',
      error: { code: 'INTERRUPTED', message: expect.stringMatching(/checkpoint cannot be read/) },
    });
    expect(await store.getCheckpoint('a')).toBeNull();
  });
});
