import type { Snapshot, SpatialMap } from '../../engine/attribution/types.js';
import type { JobCheckpoint, JobPatch, JobRecord, JobStatus, NewJob } from '../job-record.js';
import type { JobOutcome, JobPage, JobStore, JobUnit } from '../job-store.js';
import { exactJson } from './exact-json.js';
import type { SqlDriver, SqlStatement } from './sql-driver.js';

/**
 * Every statement of the job store, written once with `?` placeholders in SQL that SQLite and
 * PostgreSQL both accept (`CAST` gives PostgreSQL the types of bare parameters; `ON CONFLICT ...
 * DO UPDATE` is the upsert of both). The driver adapts placeholders.
 */
const SQL = {
  insert: `INSERT INTO jobs (id, group_id, input, model, request, status, steps_done, steps_total, created_at)
           VALUES (?, ?, ?, ?, ?, 'QUEUED', 0, ?, ?)`,
  get: 'SELECT * FROM jobs WHERE id = ?',
  list: `SELECT * FROM jobs
         WHERE (CAST(? AS BIGINT) IS NULL OR seq < CAST(? AS BIGINT)) AND (CAST(? AS TEXT) IS NULL OR status = CAST(? AS TEXT))
         ORDER BY seq DESC LIMIT ?`,
  snapshot: 'UPDATE jobs SET snapshot = ?, steps_done = ? WHERE id = ?',
  putSpatial: `INSERT INTO job_spatial (job_id, height, width, channels, data) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (job_id) DO UPDATE SET height = excluded.height, width = excluded.width,
                 channels = excluded.channels, data = excluded.data`,
  getSpatial: 'SELECT height, width, channels, data FROM job_spatial WHERE job_id = ?',
  unfinished: `SELECT * FROM jobs WHERE status IN ('QUEUED', 'RUNNING') ORDER BY seq`,
  unfinishedOn: `SELECT COUNT(*) AS n FROM jobs WHERE model = ? AND status IN ('QUEUED', 'RUNNING')`,
  putCheckpoint: `INSERT INTO job_checkpoints (job_id, steps_done, backend, written_at, data) VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (job_id) DO UPDATE SET steps_done = excluded.steps_done, backend = excluded.backend,
                    written_at = excluded.written_at, data = excluded.data`,
  getCheckpoint: 'SELECT steps_done, backend, data FROM job_checkpoints WHERE job_id = ?',
  dropCheckpoint: 'DELETE FROM job_checkpoints WHERE job_id = ?',
  putHistory: `INSERT INTO job_history (job_id, steps_done, snapshot) VALUES (?, ?, ?)
               ON CONFLICT (job_id, steps_done) DO UPDATE SET snapshot = excluded.snapshot`,
  history: 'SELECT snapshot FROM job_history WHERE job_id = ? ORDER BY steps_done',
  putUnit: `INSERT INTO job_units (job_id, image_index, layer, snapshot, height, width, channels, spatial) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (job_id, image_index, layer) DO UPDATE SET snapshot = excluded.snapshot, height = excluded.height,
              width = excluded.width, channels = excluded.channels, spatial = excluded.spatial`,
  units: 'SELECT image_index, layer, snapshot FROM job_units WHERE job_id = ? ORDER BY image_index, layer',
  unitSpatial: 'SELECT height, width, channels, spatial AS data FROM job_units WHERE job_id = ? AND image_index = ? AND layer = ?',
  update: (columns: string[]) => `UPDATE jobs SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`,
};

const PATCH_COLUMNS: Record<keyof JobPatch, string> = {
  status: 'status',
  stepsDone: 'steps_done',
  backend: 'backend',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  error: 'error',
};

/** A row as either database returns it: PostgreSQL gives BIGINT columns as strings. */
interface JobRow {
  seq: number | string;
  id: string;
  group_id: string | null;
  input: string;
  model: string;
  request: string;
  status: JobStatus;
  steps_done: number;
  steps_total: number;
  backend: string | null;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  error: string | null;
  snapshot: string | null;
}

/**
 * Jobs and final results in a SQL database (SQLite or PostgreSQL, through a driver). All SQL of
 * the job store lives in this file. `ready` is awaited before every call (a pool migrating).
 */
export class SqlJobStore implements JobStore {
  constructor(
    protected readonly driver: SqlDriver,
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {
    // Surfaced by the first call; not an unhandled rejection meanwhile.
    ready.catch(() => undefined);
  }

  async create(job: NewJob): Promise<JobRecord> {
    await this.ready;
    await this.driver.run(SQL.insert, [
      job.id,
      job.groupId,
      JSON.stringify(job.input),
      job.model,
      JSON.stringify(job.request),
      job.stepsTotal,
      Date.now(),
    ]);
    return (await this.get(job.id))!;
  }

  async get(id: string): Promise<JobRecord | null> {
    await this.ready;
    const [row] = await this.driver.all<JobRow>(SQL.get, [id]);
    return row ? fromRow(row) : null;
  }

  async list(opts: { first: number; after?: string | null; status?: JobStatus | null }): Promise<JobPage> {
    await this.ready;
    // Cursors are row numbers; anything else matches nothing rather than everything.
    const after = opts.after == null ? null : /^\d+$/.test(opts.after) ? Number(opts.after) : 0;
    const status = opts.status ?? null;
    const rows = await this.driver.all<JobRow>(SQL.list, [after, after, status, status, opts.first + 1]);
    const page = rows.slice(0, opts.first);
    return {
      jobs: page.map(fromRow),
      cursors: page.map((r) => String(r.seq)),
      hasNextPage: rows.length > opts.first,
      endCursor: page.length ? String(page[page.length - 1].seq) : null,
    };
  }

  async update(id: string, patch: JobPatch): Promise<void> {
    await this.ready;
    const statement = patchStatement(id, patch);
    if (statement) await this.driver.run(statement.sql, statement.params);
  }

  async saveSnapshot(id: string, snapshot: Snapshot, checkpoint?: JobCheckpoint): Promise<void> {
    await this.ready;
    const json = exactJson.stringify(snapshot);
    const write: SqlStatement = { sql: SQL.snapshot, params: [json, snapshot.stepsDone, id] };
    await this.driver.transaction([
      write,
      putHistory(id, snapshot.stepsDone, json),
      ...(checkpoint ? [putCheckpoint(id, checkpoint)] : []),
    ]);
  }

  async history(id: string): Promise<Snapshot[]> {
    await this.ready;
    const rows = await this.driver.all<{ snapshot: string }>(SQL.history, [id]);
    return rows.map((r) => exactJson.parse(r.snapshot));
  }

  async getCheckpoint(id: string): Promise<JobCheckpoint | null> {
    await this.ready;
    const [row] = await this.driver.all<{ steps_done: number; backend: string; data: Buffer }>(SQL.getCheckpoint, [id]);
    return row ? { stepsDone: row.steps_done, backend: row.backend, data: new Uint8Array(row.data) } : null;
  }

  async saveSpatial(id: string, s: SpatialMap): Promise<void> {
    await this.ready;
    await this.driver.run(SQL.putSpatial, putSpatialParams(id, s));
  }

  async finish(id: string, outcome: JobOutcome): Promise<void> {
    await this.ready;
    const patch: JobPatch = { status: outcome.status, finishedAt: outcome.finishedAt, error: outcome.error, backend: outcome.backend };
    const statements: SqlStatement[] = [];
    if (outcome.snapshot) {
      const json = exactJson.stringify(outcome.snapshot);
      statements.push(
        { sql: SQL.snapshot, params: [json, outcome.snapshot.stepsDone, id] },
        putHistory(id, outcome.snapshot.stepsDone, json),
      );
    }
    if (outcome.spatial) statements.push({ sql: SQL.putSpatial, params: putSpatialParams(id, outcome.spatial) });
    statements.push(patchStatement(id, patch)!, { sql: SQL.dropCheckpoint, params: [id] });
    await this.driver.transaction(statements, { durable: true });
  }

  async saveUnit(id: string, unit: JobUnit, spatial: SpatialMap): Promise<void> {
    await this.ready;
    await this.driver.run(SQL.putUnit, [
      id,
      unit.imageIndex,
      unit.layer,
      exactJson.stringify(unit.snapshot),
      spatial.height,
      spatial.width,
      spatial.channels,
      bytesOf(spatial.data),
    ]);
  }

  async units(id: string): Promise<JobUnit[]> {
    await this.ready;
    const rows = await this.driver.all<{ image_index: number; layer: string; snapshot: string }>(SQL.units, [id]);
    return rows.map((r) => ({ imageIndex: Number(r.image_index), layer: r.layer, snapshot: exactJson.parse(r.snapshot) }));
  }

  async unitSpatial(id: string, imageIndex: number, layer: string): Promise<SpatialMap | null> {
    await this.ready;
    const [row] = await this.driver.all<SpatialRow>(SQL.unitSpatial, [id, imageIndex, layer]);
    return row ? spatialOf(row) : null;
  }

  async unfinished(): Promise<JobRecord[]> {
    await this.ready;
    return (await this.driver.all<JobRow>(SQL.unfinished)).map(fromRow);
  }

  async hasUnfinished(model: string): Promise<boolean> {
    await this.ready;
    const [row] = await this.driver.all<{ n: number | string }>(SQL.unfinishedOn, [model]);
    return Number(row?.n ?? 0) > 0;
  }

  async getSpatial(id: string): Promise<SpatialMap | null> {
    await this.ready;
    const [row] = await this.driver.all<SpatialRow>(SQL.getSpatial, [id]);
    return row ? spatialOf(row) : null;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.driver.close();
  }
}

type SpatialRow = { height: number; width: number; channels: number; data: Buffer };

function spatialOf(row: SpatialRow): SpatialMap {
  // Copy into an aligned buffer: a Buffer from the database may sit at any byte offset.
  const data = new Float32Array(row.data.byteLength / 4);
  new Uint8Array(data.buffer).set(row.data);
  return { height: Number(row.height), width: Number(row.width), channels: Number(row.channels), data };
}

/** The UPDATE for the defined fields of `patch`; null when there are none. */
function patchStatement(id: string, patch: JobPatch): SqlStatement | null {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(patch) as [keyof JobPatch, unknown][]) {
    if (value === undefined) continue;
    columns.push(PATCH_COLUMNS[key]);
    values.push(value instanceof Date ? value.getTime() : key === 'error' && value ? JSON.stringify(value) : value);
  }
  return columns.length ? { sql: SQL.update(columns), params: [...values, id] } : null;
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function putSpatialParams(id: string, s: SpatialMap): unknown[] {
  return [id, s.height, s.width, s.channels, bytesOf(s.data)];
}

function putHistory(id: string, stepsDone: number, json: string): SqlStatement {
  return { sql: SQL.putHistory, params: [id, stepsDone, json] };
}

function putCheckpoint(id: string, c: JobCheckpoint): SqlStatement {
  return { sql: SQL.putCheckpoint, params: [id, c.stepsDone, c.backend, Date.now(), bytesOf(c.data)] };
}

function fromRow(r: JobRow): JobRecord {
  const date = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)));
  return {
    id: r.id,
    groupId: r.group_id,
    input: JSON.parse(r.input),
    model: r.model,
    request: JSON.parse(r.request),
    status: r.status,
    stepsDone: r.steps_done,
    stepsTotal: r.steps_total,
    backend: r.backend,
    createdAt: new Date(Number(r.created_at)),
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    error: r.error ? JSON.parse(r.error) : null,
    snapshot: r.snapshot ? exactJson.parse(r.snapshot) : null,
  };
}
