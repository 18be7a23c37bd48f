import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { Proc } from '../../scale-out/helpers/processes.js';
import { startServerProcess } from './server-process.js';

/** Data folders and server processes of one test file, removed and killed after it. */
export const dirs: string[] = [];
const procs: Proc[] = [];
afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function dataDir() {
  const d = mkdtempSync(join(tmpdir(), 'resume-test-'));
  dirs.push(d);
  return d;
}

export async function server(dir: string, env: Record<string, string> = {}) {
  const p = await startServerProcess({ DATA_DIR: dir, JOB_CONCURRENCY: '2', CHECKPOINT_INTERVAL_MS: '0', ...env });
  procs.push(p);
  return p;
}

export const input = (extra: Record<string, unknown>) => ({
  input: {
    imageId: 'example-dog_cat_composite',
    layer: 'mixed4d',
    class1: 'Labrador retriever',
    class2: 'tiger cat',
    steps: 48,
    chunkSteps: 4,
    ...extra,
  },
});

/** Exactly equal, field by field (toEqual on numbers compares them exactly). */
export function expectSameResult(resumed: any, reference: any) {
  expect(resumed.status).toBe('SUCCEEDED');
  expect(reference.status).toBe('SUCCEEDED');
  expect(resumed.result).toEqual(reference.result);
}
