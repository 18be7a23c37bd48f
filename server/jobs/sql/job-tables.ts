import { BUILTIN_MODEL_ID } from '../../engine/model-ref.js';
import type { SqlDialect } from './sql-driver.js';

/** Column types that differ between the two databases; everything else is written once. */
const TYPES: Record<SqlDialect, { serialKey: string; bigint: string; blob: string }> = {
  sqlite: { serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', blob: 'BLOB' },
  postgres: { serialKey: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', blob: 'BYTEA' },
};

/**
 * Schema migrations of the job tables: step i leads from version i to i + 1. Append, never edit
 * (SQLite files written by version 1 already exist). Times are epoch milliseconds; JSON is text.
 */
export function jobTableMigrations(dialect: SqlDialect): string[] {
  // (5 adds each job's model; rows written before are the built-in GoogLeNet's, the only model there was.)
  const t = TYPES[dialect];
  return [
    `
    CREATE TABLE jobs (
      seq ${t.serialKey},
      id TEXT NOT NULL UNIQUE,
      group_id TEXT,
      input TEXT NOT NULL,
      request TEXT NOT NULL,
      status TEXT NOT NULL,
      steps_done INTEGER NOT NULL,
      steps_total INTEGER NOT NULL,
      backend TEXT,
      created_at ${t.bigint} NOT NULL,
      started_at ${t.bigint},
      finished_at ${t.bigint},
      error TEXT,
      snapshot TEXT
    );
    CREATE INDEX jobs_by_status ON jobs (status, seq);
    CREATE TABLE job_spatial (
      job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
      height INTEGER NOT NULL,
      width INTEGER NOT NULL,
      channels INTEGER NOT NULL,
      data ${t.blob} NOT NULL
    );
    `,
    // 2: checkpoints of running jobs, so a restart resumes them. Apart from `jobs`, so that listing jobs never
    // reads the integration state (up to a few MB); written with the snapshot, in one transaction.
    `
    CREATE TABLE job_checkpoints (
      job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
      steps_done INTEGER NOT NULL,
      backend TEXT NOT NULL,
      written_at ${t.bigint} NOT NULL,
      data ${t.blob} NOT NULL
    );
    `,
    // 3: every snapshot of a job, kept: a reopened job draws its whole convergence
    // chart and its sparklines. One row per step count; a rerun step count overwrites its row.
    `
    CREATE TABLE job_history (
      job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      steps_done INTEGER NOT NULL,
      snapshot TEXT NOT NULL,
      PRIMARY KEY (job_id, steps_done)
    );
    `,
    // 4: jobs over several layers or images keep each unit's result (one image at one layer): its
    // final snapshot and spatial map, written as the unit finishes, so a resumed job skips it and
    // the per-image vectors, galleries and heatmaps read them.
    `
    CREATE TABLE job_units (
      job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      image_index INTEGER NOT NULL,
      layer TEXT NOT NULL,
      snapshot TEXT NOT NULL,
      height INTEGER NOT NULL,
      width INTEGER NOT NULL,
      channels INTEGER NOT NULL,
      spatial ${t.blob} NOT NULL,
      PRIMARY KEY (job_id, image_index, layer)
    );
    `,
    // 5: the model a job runs on. Jobs stored before models could be imported ran on the built-in one.
    `
    ALTER TABLE jobs ADD COLUMN model TEXT NOT NULL DEFAULT '${BUILTIN_MODEL_ID}';
    CREATE INDEX jobs_by_model ON jobs (model, status);
    `,
  ];
}
