/** The two databases the job store runs on. */
export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlStatement {
  sql: string;
  params?: unknown[];
}

/**
 * The few things a database must do for `SqlJobStore`. Statements are written once, with `?`
 * placeholders and SQL that SQLite and PostgreSQL both accept; a driver only adapts placeholders
 * and the schema version bookkeeping.
 */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /**
   * Runs the statements in one transaction: all or none, also across a kill -9. Returns each
   * statement's changed rows. `durable`: the commit reaches the disk before it resolves (a
   * finished result must survive a power loss too, not only a killed process).
   */
  transaction(statements: SqlStatement[], opts?: { durable?: boolean }): Promise<number[]>;
  /**
   * Brings the schema to version `steps.length`: step i (DDL) leads from version i to i + 1.
   * Runs in one transaction holding the database's write or advisory lock, so when several
   * processes start at once on one database only one migrates. Throws on a newer schema.
   */
  migrate(steps: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** `?` placeholders to `$1, $2, ...` (PostgreSQL). Statements here have no `?` inside strings. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function newerSchemaError(found: number, known: number) {
  return new Error(`The job database was written by a newer version (schema ${found} > ${known}).`);
}
