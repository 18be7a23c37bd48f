import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJobStore } from '../../server/jobs/sql/postgres-job-store.js';
import { PostgresDriver } from '../../server/jobs/sql/postgres-driver.js';
import { describeJobStore, describeModelMigration, describeSqlDriverTransactions, newJob } from '../server/jobs/job-store-conformance.js';
import { missingServices, startPostgres, type PostgresService } from './helpers/services.js';

const skip = missingServices();
if (skip) console.warn(`test/scale-out/postgres-job-store.test.ts ${skip}`);

describe.skipIf(skip)('PostgreSQL job store', () => {
  let pg: PostgresService;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.stop());

  let n = 0;
  // One schema per test: each starts from empty tables, and `reopen` finds the same ones.
  describeJobStore('PostgreSQL', () => {
    const schema = `conformance_${n++}`;
    const open = () => new PostgresJobStore({ connectionString: pg.url, schema, max: 2 });
    return { store: open(), reopen: open };
  });

  describeSqlDriverTransactions('PostgreSQL', async () => {
    const driver = new PostgresDriver({ connectionString: pg.url, schema: `driver_${n++}`, max: 2 });
    await driver.migrate([]);
    return driver;
  });

  describeModelMigration(
    'PostgreSQL',
    async () => new PostgresDriver({ connectionString: pg.url, schema: 'version_3', max: 1 }),
    () => new PostgresJobStore({ connectionString: pg.url, schema: 'version_3', max: 1 }),
  );

  it('lets two stores migrate one database at once', async () => {
    const a = new PostgresJobStore({ connectionString: pg.url, schema: 'racing', max: 1 });
    const b = new PostgresJobStore({ connectionString: pg.url, schema: 'racing', max: 1 });
    await Promise.all([a.create(newJob('x')), b.create(newJob('y'))]);
    const ids = (await a.list({ first: 10 })).jobs.map((j) => j.id).sort();
    await Promise.all([a.close(), b.close()]);
    expect(ids).toEqual(['x', 'y']);
  });
});
