import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../server/jobs/sql/sqlite-job-store.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gqlData, sseSubscribe } from './helpers/graphql-client.js';
import { JOB, killHard, sleep, sqliteIntegrity, START, uninterruptedRun, waitForJob } from './helpers/server-process.js';
import { dataDir, expectSameResult, input, server } from './helpers/resume-fixtures.js';

/**
 * No work lost. A job that was running or queued when the embedded server died (kill -9)
 * or stopped (SIGTERM) resumes from its last checkpoint when the server starts again, and ends
 * with exactly the values of an uninterrupted run of the same input (a fresh `restartJob` run on
 * the same machine). Checkpoints are written after every chunk here (CHECKPOINT_INTERVAL_MS=0).
 */
describe('resume after a crash', () => {
  it('kill -9 mid-job, start again: running and queued jobs resume from their checkpoints and end with the values of an uninterrupted run', async () => {
    const dir = dataDir();
    const first = await server(dir);
    const path = (await gqlData(first.url, START, input({ method: 'PATH', rule: 'GAUSS_LEGENDRE' }))).startAttribution;
    const stochastic = (await gqlData(first.url, START, input({ method: 'STOCHASTIC_PATH', seed: 7 }))).startAttribution;
    const queued = (await gqlData(first.url, START, input({ method: 'PATH' }))).startAttribution;
    expect(queued.status).toBe('QUEUED');
    // Mid-job: some chunks done and checkpointed, most still to go.
    const before = await waitForJob(first.url, path.id, (j) => j.stepsDone >= 12);
    expect(before.status).toBe('RUNNING');
    await killHard(first);
    expect(sqliteIntegrity(dir)).toBe('ok');

    const second = await server(dir);
    expect(second.log()).toMatch(/3 unfinished job\(s\) from the last run resumed/);
    // A subscriber that reconnects sees the job carry on from where it was, never going back.
    const seen: { stepsDone: number; status: string }[] = [];
    const followed = sseSubscribe(
      second.url,
      `subscription ($id: ID!) { jobProgress(id: $id) { status stepsDone done } }`,
      { id: path.id },
      (r) => seen.push(r.data!.jobProgress),
    );
    const resumed = await Promise.all([path, stochastic, queued].map((j) => waitForJob(second.url, j.id)));
    await followed;
    expect(seen[0].stepsDone).toBeGreaterThanOrEqual(before.stepsDone);
    for (let i = 1; i < seen.length; i++) expect(seen[i].stepsDone).toBeGreaterThanOrEqual(seen[i - 1].stepsDone);
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCEEDED', stepsDone: 48 });
    // It started mid-path, not from step 0.
    expect(second.log()).toMatch(new RegExp(`job ${path.id} resumed from step ([1-9]\\d*)`));

    const references: any[] = [];
    for (const job of [path, stochastic, queued]) references.push(await uninterruptedRun(second.url, job.id));
    references.forEach((reference, i) => expectSameResult(resumed[i], reference));
    // The final spatial map came through too: a heatmap of the resumed job equals the reference's.
    const reference = references[0];
    const heat = `query ($id: ID!) { job(id: $id) { result { heatmap(channel: 3) } } }`;
    expect((await gqlData(second.url, heat, { id: path.id })).job.result.heatmap).toBe(
      (await gqlData(second.url, heat, { id: reference.id })).job.result.heatmap,
    );
    await killHard(second);
  });

  it('kill -9 mid-job with a tolerance (SQUARED, the default): the resumed job stops at the same level, with the values, errors and history of an uninterrupted run', async () => {
    const dir = dataDir();
    const first = await server(dir);
    // SQUARED's nested levels are the chunks: 3, 6, 12, 24, 48, 96, 192 steps.
    const job = (await gqlData(first.url, START, input({ method: 'PATH', steps: 256, tolerance: 0.003, chunkSteps: null })))
      .startAttribution;
    const before = await waitForJob(first.url, job.id, (j) => j.stepsDone >= 6);
    expect(before.status).toBe('RUNNING');
    await killHard(first);

    const second = await server(dir);
    expect(second.log()).toMatch(new RegExp(`job ${job.id} resumed from step ([1-9]\\d*)`));
    const resumed = await waitForJob(second.url, job.id);
    const reference = await uninterruptedRun(second.url, job.id);
    expectSameResult(resumed, reference);
    // The tolerance ended it, not the step budget.
    expect(resumed.stepsDone).toBeLessThan(192);
    const convergence = `query ($id: ID!) { job(id: $id) { settledAtStep history { stepsDone values errors relativeError settled } } }`;
    const [a, b] = await Promise.all([resumed, reference].map(async (j) => (await gqlData(second.url, convergence, { id: j.id })).job));
    expect(a).toEqual(b);
    await killHard(second);
  });

  it('marks a job whose checkpoint is unusable INTERRUPTED, says why, and restartJob runs it afresh', async () => {
    const dir = dataDir();
    const first = await server(dir, { JOB_CONCURRENCY: '1' });
    const job = (await gqlData(first.url, START, input({ method: 'PATH' }))).startAttribution;
    await waitForJob(first.url, job.id, (j) => j.stepsDone >= 8);
    await killHard(first);
    // Damage the checkpoint as a disk fault or a foreign writer could.
    const db = new Database(join(dir, 'jobs.sqlite'));
    expect(db.prepare('UPDATE job_checkpoints SET data = ? WHERE job_id = ?').run(Buffer.from('not a checkpoint'), job.id).changes).toBe(1);
    db.close();

    const second = await server(dir, { JOB_CONCURRENCY: '1' });
    const after = await waitForJob(second.url, job.id);
    expect(after.status).toBe('INTERRUPTED');
    expect(after.error.code).toBe('INTERRUPTED');
    expect(after.error.message).toMatch(/checkpoint/i);
    const fresh = await uninterruptedRun(second.url, job.id);
    expect(fresh).toMatchObject({ status: 'SUCCEEDED', stepsDone: 48 });
    await killHard(second);
  });

  it('kill -9 at random moments in a loop: the store stays sound, finished results stay, no job is stuck, all end with the uninterrupted values', async () => {
    const dir = dataDir();
    let p = await server(dir);
    const ids: string[] = [];
    for (const extra of [
      { method: 'PATH', rule: 'MIDPOINT' },
      { method: 'STOCHASTIC_PATH', seed: 3 },
      { method: 'PATH', rule: 'TRAPEZOID' },
      { method: 'SIMPLE', chunkSteps: null },
    ]) {
      ids.push((await gqlData(p.url, START, input(extra))).startAttribution.id);
    }
    const finished = new Map<string, unknown>();
    for (let kill = 0; kill < 4; kill++) {
      await sleep(500 + Math.random() * 2500);
      await killHard(p);
      expect(sqliteIntegrity(dir)).toBe('ok');
      p = await server(dir);
      for (const id of ids) {
        const job = (await gqlData(p.url, JOB, { id })).job;
        // Only states a job can leave, or done; a finished result never changes or goes away.
        expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(job.status);
        if (finished.has(id)) expect(job.result).toEqual(finished.get(id));
        if (job.status === 'SUCCEEDED') finished.set(id, job.result);
      }
    }
    const resumed = await Promise.all(ids.map((id) => waitForJob(p.url, id)));
    for (const [i, id] of ids.entries()) expectSameResult(resumed[i], await uninterruptedRun(p.url, id));
    await killHard(p);
  });
});
