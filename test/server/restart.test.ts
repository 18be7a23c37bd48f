import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gqlData } from './helpers/graphql-client.js';
import { REPO_ROOT } from './helpers/test-server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'restart-test-'));
const children: ChildProcess[] = [];

/** `server/main.ts` in one process (node --import tsx), so a kill reaches the server itself. */
async function startServer(): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ENGINE_WORKERS: '1', JOB_CONCURRENCY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  return { child, url, log: () => out };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

const START = `mutation ($input: AttributionInput!) { startAttribution(input: $input) { id status } }`;
const JOB = `query ($id: ID!) { job(id: $id) { status stepsDone error { code } result { values done } } }`;
const HISTORY = `query ($id: ID!) { job(id: $id) { status settledAtStep history { stepsDone elapsedMs relativeError completenessGap rankStability settled top(first: 3) { channel value error } } } }`;
const input = (extra: Record<string, unknown>) => ({
  input: { imageId: 'example-dog_cat_composite', class1: 'Labrador retriever', class2: 'tiger cat', ...extra },
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restart', () => {
  it('keeps finished jobs and their history across a crash, and resumes running and queued ones', async () => {
    const first = await startServer();
    const simple = (await gqlData(first.url, START, input({ method: 'SIMPLE' }))).startAttribution;
    let done: any;
    for (let i = 0; i < 600 && done?.status !== 'SUCCEEDED'; i++) {
      done = (await gqlData(first.url, JOB, { id: simple.id })).job;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done.status).toBe('SUCCEEDED');
    // A short PATH job whose whole convergence history must outlive the crash.
    const path = (await gqlData(first.url, START, input({ steps: 8, chunkSteps: 2 }))).startAttribution;
    let pathDone: any;
    for (let i = 0; i < 1200 && pathDone?.status !== 'SUCCEEDED'; i++) {
      pathDone = (await gqlData(first.url, HISTORY, { id: path.id })).job;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Every chunk end is a point (the first chunk may be shorter, so the first snapshot comes early).
    const steps = pathDone.history.map((p: any) => p.stepsDone);
    expect(steps.filter((n: number) => n % 2 === 0)).toEqual([2, 4, 6, 8]);
    expect([...steps].sort((a: number, b: number) => a - b)).toEqual(steps);
    const running = (await gqlData(first.url, START, input({ steps: 2000 }))).startAttribution;
    const queued = (await gqlData(first.url, START, input({ steps: 2000 }))).startAttribution;
    expect(queued.status).toBe('QUEUED');
    expect((await gqlData(first.url, JOB, { id: running.id })).job.status).toBe('RUNNING');
    // Crash: no shutdown handler runs.
    const gone = exited(first.child);
    first.child.kill('SIGKILL');
    await gone;

    const second = await startServer();
    // They resume (test/server/resume.test.ts checks the values); finished jobs and their history stay.
    expect(second.log()).toMatch(/2 unfinished job\(s\) from the last run resumed/);
    const pathAfter = (await gqlData(second.url, HISTORY, { id: path.id })).job;
    expect(pathAfter.history).toEqual(pathDone.history);
    expect(pathAfter.history.at(-1).relativeError).toBeLessThan(pathAfter.history[0].relativeError);
    const after = (await gqlData(second.url, JOB, { id: simple.id })).job;
    expect(after.status).toBe('SUCCEEDED');
    expect(after.result.values).toEqual(done.result.values);
    // restartJob runs a job again from the start, as a new job.
    const again = (
      await gqlData(second.url, `mutation ($id: ID!) { restartJob(id: $id) { id input { steps class1Label } } }`, { id: queued.id })
    ).restartJob;
    expect(again.id).not.toBe(queued.id);
    expect(again.input).toEqual({ steps: 2000, class1Label: 'Labrador retriever' });
    for (const id of [again.id, queued.id, running.id])
      await gqlData(second.url, `mutation ($id: ID!) { cancelJob(id: $id) { status } }`, { id });
    const { jobs } = await gqlData(second.url, `{ jobs(first: 10) { nodes { id } } }`);
    expect(jobs.nodes.map((j: { id: string }) => j.id)).toEqual([again.id, queued.id, running.id, path.id, simple.id]);
    second.child.kill('SIGKILL');
  });
});
