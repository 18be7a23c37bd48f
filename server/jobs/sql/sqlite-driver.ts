import Database from 'better-sqlite3';
import { newerSchemaError, type SqlDriver, type SqlStatement } from './sql-driver.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/**
 * `synchronous` in WAL mode. NORMAL: every commit is in the WAL file before it returns, so it
 * survives a killed process (kill -9, a crash, OOM); the WAL is fsynced at checkpoints, so an OS
 * crash or power loss can roll back the last commits, never corrupt the file. Per-chunk snapshots
 * and checkpoints commit at NORMAL (0.1 ms against 5 ms for an fsync here, on the event loop);
 * durable transactions (a job's terminal state) switch to FULL for their commit, which fsyncs
 * the WAL and with it every earlier commit (docs/api.md, "What survives what").
 */
export const SQLITE_SYNCHRONOUS = 'NORMAL';
/** SQLite's default `wal_autocheckpoint`, in pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * better-sqlite3 behind the async driver surface. Calls are synchronous underneath (a job row is a
 * few kB), so the store can be used as soon as it is constructed. Several processes may share
 * the file (worker and API on one machine): WAL mode, and a busy timeout for their writes.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private readonly checkpointer: WalCheckpointer | null = null;

  /**
   * `file` is a path, or `:memory:`. `backgroundCheckpoints`: WAL checkpoints on a thread of their
   * own instead of inside a commit on the event loop (the server's store; wal-checkpointer.ts).
   */
  constructor(file: string, opts: { backgroundCheckpoints?: boolean } = {}) {
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
    this.db.pragma('foreign_keys = ON');
    if (opts.backgroundCheckpoints && file !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      // Should the thread die, commits checkpoint again as SQLite does by default.
      this.checkpointer = new WalCheckpointer(file, {
        onCopied: () => this.db.open && this.db.pragma('wal_checkpoint(PASSIVE)'),
        onExit: () => this.db.open && this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`),
      });
    }
  }

  /** `journal_mode` and `synchronous` as the connection reports them (tests, /health). */
  settings(): { journalMode: string; synchronous: number; walAutocheckpoint: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
      walAutocheckpoint: this.db.pragma('wal_autocheckpoint', { simple: true }) as number,
    };
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

  async transaction(statements: SqlStatement[], opts: { durable?: boolean } = {}): Promise<number[]> {
    return this.transactionSync(statements, opts);
  }

  transactionSync(statements: SqlStatement[], opts: { durable?: boolean } = {}): number[] {
    // synchronous can only change outside a transaction; FULL makes this commit fsync the WAL.
    if (opts.durable) this.db.pragma('synchronous = FULL');
    try {
      // IMMEDIATE: take the write lock first, so a second process waits on the busy timeout
      // rather than failing to upgrade a read lock midway.
      return this.db.transaction(() => statements.map((s) => this.runSync(s.sql, s.params ?? []))).immediate();
    } finally {
      if (opts.durable) this.db.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
    }
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
    await this.checkpointer?.close();
    this.db.close();
  }
}
