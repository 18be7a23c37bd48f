import Database from 'better-sqlite3';
import type { Snapshot } from '../engine/attribution/types.js';
import type { JobPatch, JobRecord, JobStatus, NewJob, SpatialMap } from './job-record.js';
import type { JobPage, JobStore } from './job-store.js';

/** Bumped when the tables change; older files are migrated in `migrate`. */
const SCHEMA_VERSION = 1;

interface JobRow {
  seq: number;
  id: string;
  group_id: string | null;
  input: string;
  request: string;
  status: JobStatus;
  steps_done: number;
  steps_total: number;
  backend: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  snapshot: string | null;
}

/**
 * Jobs and final results in one SQLite file (better-sqlite3: synchronous, so every call finishes
 * within a millisecond or two on the main thread; snapshots are a few kB of JSON).
 * All SQL in the project lives here.
 */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly stmts;

  /** `file` is a path, or `:memory:` for a store that lives as long as the process. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO jobs (id, group_id, input, request, status, steps_done, steps_total, created_at)
         VALUES (@id, @group_id, @input, @request, 'QUEUED', 0, @steps_total, @created_at)`,
      ),
      get: this.db.prepare('SELECT * FROM jobs WHERE id = ?'),
      list: this.db.prepare(
        `SELECT * FROM jobs WHERE (@after IS NULL OR seq < @after) AND (@status IS NULL OR status = @status)
         ORDER BY seq DESC LIMIT @limit`,
      ),
      snapshot: this.db.prepare('UPDATE jobs SET snapshot = ?, steps_done = ? WHERE id = ?'),
      putSpatial: this.db.prepare(
        'INSERT OR REPLACE INTO job_spatial (job_id, height, width, channels, data) VALUES (?, ?, ?, ?, ?)',
      ),
      getSpatial: this.db.prepare('SELECT height, width, channels, data FROM job_spatial WHERE job_id = ?'),
      interrupt: this.db.prepare(
        `UPDATE jobs SET status = 'INTERRUPTED', finished_at = ?,
           error = '{"code":"INTERRUPTED","message":"The server stopped before this job finished."}'
         WHERE status IN ('QUEUED', 'RUNNING')`,
      ),
    };
  }

  private migrate() {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`The job database was written by a newer version (schema ${version} > ${SCHEMA_VERSION}).`);
    }
    if (version < 1) {
      this.db.exec(`
        CREATE TABLE jobs (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          group_id TEXT,
          input TEXT NOT NULL,
          request TEXT NOT NULL,
          status TEXT NOT NULL,
          steps_done INTEGER NOT NULL,
          steps_total INTEGER NOT NULL,
          backend TEXT,
          created_at INTEGER NOT NULL,
          started_at INTEGER,
          finished_at INTEGER,
          error TEXT,
          snapshot TEXT
        );
        CREATE INDEX jobs_by_status ON jobs (status, seq);
        CREATE TABLE job_spatial (
          job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
          height INTEGER NOT NULL,
          width INTEGER NOT NULL,
          channels INTEGER NOT NULL,
          data BLOB NOT NULL
        );
        PRAGMA user_version = ${SCHEMA_VERSION};
      `);
    }
  }

  async create(job: NewJob): Promise<JobRecord> {
    this.stmts.insert.run({
      id: job.id,
      group_id: job.groupId,
      input: JSON.stringify(job.input),
      request: JSON.stringify(job.request),
      steps_total: job.stepsTotal,
      created_at: Date.now(),
    });
    return this.getSync(job.id)!;
  }

  async get(id: string): Promise<JobRecord | null> {
    return this.getSync(id);
  }

  private getSync(id: string): JobRecord | null {
    const row = this.stmts.get.get(id) as JobRow | undefined;
    return row ? fromRow(row) : null;
  }

  async list(opts: { first: number; after?: string | null; status?: JobStatus | null }): Promise<JobPage> {
    // Cursors are row numbers; anything else matches nothing rather than everything.
    const after = opts.after == null ? null : /^\d+$/.test(opts.after) ? Number(opts.after) : 0;
    const rows = this.stmts.list.all({ after, status: opts.status ?? null, limit: opts.first + 1 }) as JobRow[];
    const page = rows.slice(0, opts.first);
    return {
      jobs: page.map(fromRow),
      cursors: page.map((r) => String(r.seq)),
      hasNextPage: rows.length > opts.first,
      endCursor: page.length ? String(page[page.length - 1].seq) : null,
    };
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = { id };
    const column: Record<keyof JobPatch, string> = {
      status: 'status',
      stepsDone: 'steps_done',
      backend: 'backend',
      startedAt: 'started_at',
      finishedAt: 'finished_at',
      error: 'error',
    };
    for (const [key, value] of Object.entries(patch) as [keyof JobPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${column[key]} = @${key}`);
      values[key] = value instanceof Date ? value.getTime() : key === 'error' && value ? JSON.stringify(value) : value;
    }
    if (sets.length) this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(values);
  }

  async saveSnapshot(id: string, snapshot: Snapshot): Promise<void> {
    this.stmts.snapshot.run(JSON.stringify(snapshot, finiteOrString), snapshot.stepsDone, id);
  }

  async saveSpatial(id: string, s: SpatialMap): Promise<void> {
    const bytes = Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    this.stmts.putSpatial.run(id, s.height, s.width, s.channels, bytes);
  }

  async getSpatial(id: string): Promise<SpatialMap | null> {
    const row = this.stmts.getSpatial.get(id) as
      | { height: number; width: number; channels: number; data: Buffer }
      | undefined;
    if (!row) return null;
    // Copy into an aligned buffer: a Buffer from SQLite may sit at any byte offset.
    const data = new Float32Array(row.data.byteLength / 4);
    new Uint8Array(data.buffer).set(row.data);
    return { height: row.height, width: row.width, channels: row.channels, data };
  }

  async interruptUnfinished(at: Date): Promise<number> {
    return this.stmts.interrupt.run(at.getTime()).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** JSON has no NaN or Infinity; keep them as strings so that a read gives the same numbers back. */
function finiteOrString(_key: string, value: unknown) {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function reviveNumber(_key: string, value: unknown) {
  return value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? Number(value) : value;
}

function fromRow(r: JobRow): JobRecord {
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    id: r.id,
    groupId: r.group_id,
    input: JSON.parse(r.input),
    request: JSON.parse(r.request),
    status: r.status,
    stepsDone: r.steps_done,
    stepsTotal: r.steps_total,
    backend: r.backend,
    createdAt: new Date(r.created_at),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    error: r.error ? JSON.parse(r.error) : null,
    snapshot: r.snapshot ? JSON.parse(r.snapshot, reviveNumber) : null,
  };
}
