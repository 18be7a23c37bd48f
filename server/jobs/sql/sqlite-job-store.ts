import { jobTableMigrations } from './job-tables.js';
import { SqlJobStore } from './sql-job-store.js';
import { SqliteDriver } from './sqlite-driver.js';

/**
 * Jobs and final results in one SQLite file (better-sqlite3: synchronous, so every call finishes
 * within a millisecond or two on the main thread; snapshots are a few kB of JSON). The SQL is
 * shared with PostgreSQL (server/jobs/sql/sql-job-store.ts).
 */
export class SqliteJobStore extends SqlJobStore {
  /** `file` is a path, or `:memory:` for a store that lives as long as the process. `opts`: as SqliteDriver's. */
  constructor(file: string, opts: { backgroundCheckpoints?: boolean } = {}) {
    const driver = new SqliteDriver(file, opts);
    // Synchronous: a file from a newer version fails here, and the store is usable at once.
    driver.migrateSync(jobTableMigrations('sqlite'));
    super(driver);
  }
}
