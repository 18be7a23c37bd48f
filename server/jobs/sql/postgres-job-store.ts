import { PostgresDriver, type PostgresDriverOptions } from './postgres-driver.js';
import { jobTableMigrations } from './job-tables.js';
import { SqlJobStore } from './sql-job-store.js';

/**
 * Jobs and final results in PostgreSQL (DATABASE_URL), for API instances and workers on several
 * machines. Same statements as SQLite (server/jobs/sql/sql-job-store.ts). Tables are created or
 * migrated on first use; calls wait for that.
 */
export class PostgresJobStore extends SqlJobStore {
  constructor(opts: PostgresDriverOptions) {
    const driver = new PostgresDriver(opts);
    super(driver, driver.migrate(jobTableMigrations('postgres')));
  }
}
