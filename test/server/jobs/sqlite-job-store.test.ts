import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteDriver } from '../../../server/jobs/sql/sqlite-driver.js';
import { SqliteJobStore } from '../../../server/jobs/sql/sqlite-job-store.js';
import { describeJobStore, describeSqlDriverTransactions } from './job-store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'job-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeJobStore('SQLite file', () => {
  const file = join(dir, `jobs-${n++}.sqlite`);
  return { store: new SqliteJobStore(file), reopen: () => new SqliteJobStore(file) };
});

describeJobStore('SQLite in memory', () => ({ store: new SqliteJobStore(':memory:') }));

describeSqlDriverTransactions('SQLite', async () => new SqliteDriver(join(dir, `driver-${n++}.sqlite`)));

it('runs SQLite in WAL mode at synchronous NORMAL, and back at NORMAL after a durable commit', async () => {
  const driver = new SqliteDriver(join(dir, 'pragmas.sqlite'));
  // synchronous: 1 = NORMAL, 2 = FULL (sqlite.org/pragma.html#pragma_synchronous).
  expect(driver.settings()).toEqual({ journalMode: 'wal', synchronous: 1 });
  await driver.run('CREATE TABLE t (k INTEGER)');
  await driver.transaction([{ sql: 'INSERT INTO t (k) VALUES (1)' }], { durable: true });
  expect(driver.settings().synchronous).toBe(1);
  await driver.close();
});
