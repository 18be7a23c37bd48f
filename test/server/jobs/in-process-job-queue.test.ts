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
  const waitGate = (id: string) => new Promise<void>((resolve) => gates.get(id)!.push(resolve));
  const execute: JobExecutor = async (job, onSnapshot, signal) => {
    started.push(job.id);
    gates.set(job.id, []);
    for (let c = 1; c <= chunks; c++) {
      await waitGate(job.id);
      if (signal.aborted) throw new EngineError('CANCELLED', 'cancelled');
      if (job.input.class1 === 'explode') throw new Error('secret internals');
      if (job.input.class1 === 'bad layer') throw new EngineError('UNKNOWN_LAYER', 'no such layer');
      onSnapshot(snapshot(c * 10, [c, -c], c === chunks));
    }
    return result(chunks);
  };
  const release = async (id: string) => {
    for (let i = 0; i < 100 && !gates.get(id)?.length; i++) await new Promise((r) => setTimeout(r, 1));
    gates.get(id)!.shift()!();
    await new Promise((r) => setTimeout(r, 5));
  };
  return { execute, started, release };
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

async function setup(maxQueued: number, concurrency: number, chunks = 3) {
  const store = new SqliteJobStore(':memory:');
  const events = new InProcessJobEvents();
  const exec = steppedExecutor(chunks);
  const runner = new JobRunner({ store, events, execute: exec.execute, backend: 'test', logName: 'server' });
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

  it('marks queued and running jobs INTERRUPTED on close', async () => {
    const q = await setup(10, 1);
    q.queue.enqueue([await q.add('a'), await q.add('b')]);
    const closed = q.queue.close();
    await q.release('a');
    await closed;
    expect((await q.store.get('a'))!.status).toBe('INTERRUPTED');
    expect((await q.store.get('b'))!.status).toBe('INTERRUPTED');
  });
});
