import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../server/jobs/sql/sqlite-job-store.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { sseSubscribe, gqlData } from './helpers/graphql-client.js';
import { killHard, sleep, sqliteIntegrity, START, uninterruptedRun, waitForJob } from './helpers/server-process.js';
import { dataDir, expectSameResult, input, server } from './helpers/resume-fixtures.js';

/** Settled events: the job is over, so there is nothing left to shut down gracefully. */
const over = (e: { done: boolean; status: string }) => e.done || !['QUEUED', 'RUNNING'].includes(e.status);

/**
 * SIGTERM stops the embedded server gracefully, and its job resumes on the next start.
 * The job must still be running when the signal lands: 800 steps at mixed5b take about 8 s here,
 * and the server's event loop stays free while its chunks are stored (jobs/snapshot-writes.ts; a
 * 2.7 s stall once let a 400-step job finish before the subscriptions, and this test, got going).
 */
describe('graceful shutdown', () => {
  it('SIGTERM: job and sprite subscribers get a final goingAway event, graphql-ws closes with 1001, the process exits 0 in its bound, and the job resumes exactly', async () => {
    const dir = dataDir();
    // The default checkpoint pacing: the chunk in flight at the signal is checkpointed all the same.
    const env = { CHECKPOINT_INTERVAL_MS: '2000' };
    const first = await server(dir, env);
    const job = (await gqlData(first.url, START, input({ method: 'PATH', layer: 'mixed5b', steps: 800, chunkSteps: 4 }))).startAttribution;
    await waitForJob(first.url, job.id, (j) => j.stepsDone >= 8);
    const query = `subscription ($id: ID!) { jobProgress(id: $id) { status stepsDone done goingAway } }`;
    const sse: any[] = [];
    const sseDone = sseSubscribe(first.url, query, { id: job.id }, (r) => sse.push(r.data!.jobProgress));
    const ws: any[] = [];
    let closeCode: number | undefined;
    // Kept open after its subscription completes, so that the close it sees is the server's.
    const client = createClient({ url: first.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, lazyCloseTimeout: 60_000 });
    client.on('closed', (e) => (closeCode = (e as { code: number }).code));
    const wsDone = new Promise<void>((resolve) =>
      client.subscribe(
        { query, variables: { id: job.id } },
        { next: (r) => ws.push((r.data as any).jobProgress), error: () => resolve(), complete: resolve },
      ),
    );
    // Renders live in the process only, but their streams end the same way: a whole layer's
    // spritemap (minutes here) over SSE, a layer's pictures over graphql-ws.
    const render = (await gqlData(first.url, 'mutation { renderSpritemap(layer: "mixed5b", size: 32, steps: 64) { id } }')).renderSpritemap;
    const spritemap: any[] = [];
    const spritemapDone = sseSubscribe(
      first.url,
      'subscription ($id: ID!) { spritemapProgress(id: $id) { status channelsDone goingAway } }',
      { id: render.id },
      (r) => spritemap.push(r.data!.spritemapProgress),
    );
    const pictures: any[] = [];
    const picturesDone = new Promise<void>((resolve, reject) =>
      client.subscribe(
        { query: 'subscription { layerSprites(layer: "mixed4d") { layer rendered goingAway } }' },
        { next: (r) => pictures.push((r.data as any).layerSprites), error: reject, complete: resolve },
      ),
    );
    // Every stream live (two job events each, the sprite streams' first); a job over before that cannot test anything: say so.
    while (sse.length < 2 || ws.length < 2 || !spritemap.length || !pictures.length) {
      const ended = [...sse, ...ws].find(over);
      if (ended)
        throw new Error(`the job ended (${ended.status}) before both subscriptions had two events: sse ${sse.length}, ws ${ws.length}`);
      await sleep(20);
    }

    first.child.kill('SIGTERM');
    // The server exits 1 itself if it overruns SHUTDOWN_TIMEOUT_MS: 0 means within its bound.
    // (A signal instead of a code: it crashed, as when a worker was terminated inside ONNX Runtime.)
    expect(await first.exited, `signal ${first.child.signalCode}; log:\n${first.log()}`).toBe(0);
    await Promise.all([sseDone, wsDone]);
    for (const events of [sse, ws]) {
      expect(events.at(-1)).toMatchObject({ status: 'RUNNING', done: false, goingAway: true });
      expect(events.slice(0, -1).every((e) => !e.goingAway)).toBe(true);
    }
    await Promise.all([spritemapDone, picturesDone]);
    expect(spritemap.at(-1)).toMatchObject({ status: 'RUNNING', goingAway: true });
    expect(pictures.at(-1)).toMatchObject({ layer: 'mixed4d', goingAway: true });
    for (const events of [spritemap, pictures]) expect(events.slice(0, -1).every((e) => !e.goingAway)).toBe(true);
    expect(closeCode).toBe(1001);
    expect(first.log()).toMatch(/SIGTERM: shutting down within 15000 ms/);
    // Left for the next start, with its checkpoint: not INTERRUPTED.
    const store = new SqliteJobStore(join(dir, 'jobs.sqlite'));
    const stored = (await store.get(job.id))!;
    expect(stored.status).toBe('RUNNING');
    expect((await store.getCheckpoint(job.id))!.stepsDone).toBe(stored.stepsDone);
    await store.close();

    const second = await server(dir, env);
    expect(second.log()).toMatch(new RegExp(`job ${job.id} resumed from step ${stored.stepsDone}\\b`));
    const resumed = await waitForJob(second.url, job.id);
    expectSameResult(resumed, await uninterruptedRun(second.url, job.id));
    await killHard(second);
  });

  it('past SHUTDOWN_TIMEOUT_MS the process exits 1 anyway, with an engine worker mid-chunk, and the job stays resumable', async () => {
    const dir = dataDir();
    const p = await server(dir, { SHUTDOWN_TIMEOUT_MS: '1' });
    // One long chunk: the worker thread is inside it when the bound runs out.
    const job = (await gqlData(p.url, START, input({ method: 'PATH', layer: 'mixed3a', steps: 256, chunkSteps: 256 }))).startAttribution;
    await waitForJob(p.url, job.id, (j) => j.status === 'RUNNING');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(1);
    expect(p.log()).toMatch(/shutdown took over 1 ms: exiting now/);
    expect(sqliteIntegrity(dir)).toBe('ok');
    const store = new SqliteJobStore(join(dir, 'jobs.sqlite'));
    const stored = (await store.get(job.id))!;
    expect(stored.status).toBe('RUNNING');
    expect(stored.stepsDone).toBe(0);
    await store.close();
  });
});
