import pg from 'pg';
import { newerSchemaError, numberedPlaceholders, type SqlDriver, type SqlStatement } from './sql-driver.js';

/** Any fixed number: the advisory lock that serialises migrations of the job tables. */
const MIGRATION_LOCK = 7_042_001;

export interface PostgresDriverOptions {
  /** postgres://user:pass@host:port/db (DATABASE_URL). */
  connectionString: string;
  /** Schema holding the tables (created if missing); `public` by default. Tests use one each. */
  schema?: string;
  /** Connections in the pool. */
  max?: number;
}

/** node-postgres pool behind the driver surface. BIGINT (int8) columns come back as strings. */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string;

  constructor(opts: PostgresDriverOptions) {
    this.schema = opts.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`Bad schema name "${this.schema}".`);
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 4,
      options: `-c search_path=${this.schema}`,
    });
    // An idle client losing its connection (a database restart) must not crash the process;
    // the next query gets a fresh connection or a clear error.
    this.pool.on('error', () => undefined);
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(numberedPlaceholders(sql), params)).rows as T[];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query(numberedPlaceholders(sql), params)).rowCount ?? 0;
  }

  /** PostgreSQL commits are durable already (synchronous_commit on, its default). */
  async transaction(statements: SqlStatement[]): Promise<number[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const changed: number[] = [];
      for (const s of statements) changed.push((await client.query(numberedPlaceholders(s.sql), s.params ?? [])).rowCount ?? 0);
      await client.query('COMMIT');
      return changed;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async migrate(steps: readonly string[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const rows = (await client.query('SELECT version FROM schema_version')).rows as { version: number }[];
      const from = rows[0]?.version ?? 0;
      if (from > steps.length) throw newerSchemaError(from, steps.length);
      for (const ddl of steps.slice(from)) await client.query(ddl);
      if (!rows.length) await client.query('INSERT INTO schema_version (version) VALUES ($1)', [steps.length]);
      else if (from < steps.length) await client.query('UPDATE schema_version SET version = $1', [steps.length]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
