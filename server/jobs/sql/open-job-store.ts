import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStore } from '../job-store.js';
import { PostgresJobStore } from './postgres-job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';

/** PostgreSQL when DATABASE_URL is set, else the SQLite file in `dataDir` (one machine only). */
export function openJobStore(settings: { databaseUrl: string | null }, dataDir: string): JobStore {
  if (settings.databaseUrl) return new PostgresJobStore({ connectionString: settings.databaseUrl });
  mkdirSync(dataDir, { recursive: true });
  return new SqliteJobStore(join(dataDir, 'jobs.sqlite'), { backgroundCheckpoints: true });
}
