import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../../server/jobs/sql/sqlite-job-store.js';
import { REPO_ROOT } from '../helpers/test-server.js';
import { CRASH_JOBS, CRASH_STEPS, uninterruptedSums } from './helpers/crash-workload.js';

const dir = mkdtempSync(join(tmpdir(), 'crash-consistency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'jobs.sqlite');
const KILLS = 12;

/** Runs the writer; kills it with SIGKILL after `killAfterMs` (none: lets it finish). Returns the jobs it reported finished. */
function runWriter(killAfterMs?: number): Promise<{ finished: string[]; code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test/server/jobs/helpers/crash-writer.ts'), file], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // Timed from the first write, not the spawn: tsx's start-up takes most of a second.
  let timer: NodeJS.Timeout | undefined;
  if (killAfterMs !== undefined) {
    const arm = () => (timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs));
    child.stdout.once('data', arm);
    setTimeout(arm, 10_000);
  }
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ finished: [...out.matchAll(/^finished (\S+)$/gm)].map((m) => m[1]), code, out });
    }),
  );
}

/** What must hold after any kill: the file is sound, finished results are whole, snapshot and checkpoint agree. */
async function checkConsistent(finishedSoFar: Set<string>) {
  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
  db.close();
  const store = new SqliteJobStore(file);
  const steps: number[] = [];
  try {
    for (let j = 0; j < CRASH_JOBS; j++) {
      const job = await store.get(`job-${j}`);
      if (!job) continue; // killed before it was created
      steps.push(job.stepsDone);
      expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(job.status);
      const checkpoint = await store.getCheckpoint(job.id);
      if (job.status === 'SUCCEEDED') {
        expect(checkpoint).toBeNull();
        const expected = uninterruptedSums(job.id);
        expect(job.snapshot!.values).toEqual(Array.from(expected.subarray(0, 4)));
        expect(Array.from((await store.getSpatial(job.id))!.data)).toEqual(Array.from(Float32Array.from(expected)));
      } else {
        // Reported finished means committed: it can never come back unfinished.
        expect(finishedSoFar.has(job.id)).toBe(false);
        if (checkpoint) {
          // Written in one transaction with the snapshot: never one without the other.
          expect(job.stepsDone).toBe(checkpoint.stepsDone);
          expect(job.snapshot!.values).toEqual(Array.from(new Float64Array(checkpoint.data.slice().buffer).subarray(0, 4)));
        } else expect(job.stepsDone).toBe(0);
      }
    }
  } finally {
    await store.close();
  }
  return steps;
}

describe('crash consistency of the SQLite job store', () => {
  it(`survives ${KILLS} kill -9 at random moments while jobs write, and every job then finishes with the uninterrupted values`, async () => {
    const finished = new Set<string>();
    let killedMidWork = 0;
    const trail: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const run = await runWriter(20 + Math.floor(Math.random() * 400));
      if (run.code === null) killedMidWork++;
      for (const id of run.finished) finished.add(id);
      trail.push((await checkConsistent(finished)).join('/'));
      if (finished.size === CRASH_JOBS) break;
    }
    console.log(`steps per job after each kill: ${trail.join(', ')}`);
    // Not every kill may land mid-work on a loaded machine, but most must, or the test tests nothing.
    expect(killedMidWork).toBeGreaterThan(0);
    const last = await runWriter();
    expect(last.code, last.out).toBe(0);
    for (const id of last.finished) finished.add(id);
    await checkConsistent(finished);
    // Not `finished.size`: a kill can land between a finish's commit and its `finished` line, and
    // the last run does not report a job it finds finished. The store says what finished.
    const store = new SqliteJobStore(file);
    for (let j = 0; j < CRASH_JOBS; j++)
      expect((await store.get(`job-${j}`))!).toMatchObject({ status: 'SUCCEEDED', stepsDone: CRASH_STEPS });
    await store.close();
  });
});
