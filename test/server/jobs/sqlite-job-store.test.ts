import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteDriver } from '../../../server/jobs/sql/sqlite-driver.js';
import { SqliteJobStore } from '../../../server/jobs/sql/sqlite-job-store.js';
import { describeJobStore, describeModelMigration, describeSqlDriverTransactions } from './job-store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'job-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeJobStore('SQLite file', () => {
  const file = join(dir, `jobs-${n++}.sqlite`);
  return { store: new SqliteJobStore(file), reopen: () => new SqliteJobStore(file) };
});

describeJobStore('SQLite file, WAL checkpoints on their own thread', () => {
  const file = join(dir, `jobs-${n++}.sqlite`);
  return {
    store: new SqliteJobStore(file, { backgroundCheckpoints: true }),
    reopen: () => new SqliteJobStore(file, { backgroundCheckpoints: true }),
  };
});

describeJobStore('SQLite in memory', () => ({ store: new SqliteJobStore(':memory:') }));

describeSqlDriverTransactions('SQLite', async () => new SqliteDriver(join(dir, `driver-${n++}.sqlite`)));

const migrated = join(dir, 'version-3.sqlite');
describeModelMigration(
  'SQLite',
  async () => new SqliteDriver(migrated),
  () => new SqliteJobStore(migrated),
);

it('runs SQLite in WAL mode at synchronous NORMAL, and back at NORMAL after a durable commit', async () => {
  const driver = new SqliteDriver(join(dir, 'pragmas.sqlite'));
  // synchronous: 1 = NORMAL, 2 = FULL (sqlite.org/pragma.html#pragma_synchronous).
  expect(driver.settings()).toEqual({ journalMode: 'wal', synchronous: 1, walAutocheckpoint: 1000 });
  await driver.run('CREATE TABLE t (k INTEGER)');
  await driver.transaction([{ sql: 'INSERT INTO t (k) VALUES (1)' }], { durable: true });
  expect(driver.settings().synchronous).toBe(1);
  await driver.close();
});

it('with WAL checkpoints on their own thread, no commit checkpoints, yet the WAL stays bounded under steady writes and goes at close', async () => {
  const file = join(dir, 'background-checkpoints.sqlite');
  const driver = new SqliteDriver(file, { backgroundCheckpoints: true });
  expect(driver.settings().walAutocheckpoint).toBe(0);
  await driver.run('CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)');
  // 100 kB commits every 10 ms, as running jobs' checkpoints arrive, until the bytes written
  // are 3x the WAL file's size: only a WAL that starts over gets there (one that never did
  // would hold every byte written).
  const blob = Buffer.alloc(100_000, 7);
  let written = 0;
  const until = Date.now() + 60_000;
  for (let i = 0; ; i++) {
    await driver.transaction([{ sql: 'INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)', params: [i % 20, blob] }]);
    written += blob.length;
    if (written > 10e6 && written > 3 * statSync(`${file}-wal`).size) break;
    if (Date.now() > until) throw new Error(`the WAL holds ${statSync(`${file}-wal`).size} bytes after ${written} written`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await driver.close();
  expect(existsSync(`${file}-wal`)).toBe(false);
});
