import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteJobStore } from '../../../server/jobs/sqlite-job-store.js';
import { describeJobStore } from './job-store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'job-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeJobStore('SQLite file', () => {
  const file = join(dir, `jobs-${n++}.sqlite`);
  return { store: new SqliteJobStore(file), reopen: () => new SqliteJobStore(file) };
});

describeJobStore('SQLite in memory', () => ({ store: new SqliteJobStore(':memory:') }));
