import Database from 'better-sqlite3';
import { newerSchemaError, type SqlDriver } from './sql-driver.js';

/**
 * better-sqlite3 behind the async driver surface. Calls are synchronous underneath (a job row is a
 * few kB), so the store can be used as soon as it is constructed. Several processes may share
 * the file (worker and API on one machine): WAL mode, and a busy timeout for their writes.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** `file` is a path, or `:memory:`. */
  constructor(file: string) {
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
  }

  private prepare(sql: string) {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.allSync<T>(sql, params);
  }

  allSync<T>(sql: string, params: unknown[] = []): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.runSync(sql, params);
  }

  runSync(sql: string, params: unknown[] = []): number {
    return this.prepare(sql).run(...params).changes;
  }

  async migrate(steps: readonly string[]): Promise<void> {
    this.migrateSync(steps);
  }

  /** The version lives in `PRAGMA user_version`; BEGIN IMMEDIATE takes the write lock first. */
  migrateSync(steps: readonly string[]) {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const from = this.db.pragma('user_version', { simple: true }) as number;
      if (from > steps.length) throw newerSchemaError(from, steps.length);
      for (const ddl of steps.slice(from)) this.db.exec(ddl);
      if (from < steps.length) this.db.pragma(`user_version = ${steps.length}`);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
