import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startProcess, type Proc } from '../../scale-out/helpers/processes.js';
import { gqlData } from './graphql-client.js';

/** `server/main.ts` as its own process (a kill reaches the server itself), on a free port. */
export async function startServerProcess(env: Record<string, string>): Promise<Proc & { url: string; wsUrl: string }> {
  const p = await startProcess(
    'server/main.ts',
    { PORT: '0', ENGINE_WORKERS: '1', ...env },
    /listening on http:\/\/[^\s:]+:(\d+)\/graphql/,
  );
  return { ...p, url: `http://127.0.0.1:${p.match[1]}/graphql`, wsUrl: `ws://127.0.0.1:${p.match[1]}/graphql` };
}

export async function killHard(p: Proc) {
  p.child.kill('SIGKILL');
  await p.exited;
}

export const START = 'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id status } }';
export const RESTART = 'mutation ($id: ID!) { restartJob(id: $id) { id } }';
/** Everything of a result that an uninterrupted run fixes (not its timings). */
export const RESULT_FIELDS =
  'stepsDone stepsTotal done values score baselineScore completenessGap rankStability top { channel value rank } bottom { channel value rank }';
export const JOB = `query ($id: ID!) { job(id: $id) { id status stepsDone error { code message } result { ${RESULT_FIELDS} } } }`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the job is finished (or `until` holds); returns it. */
export async function waitForJob(
  url: string,
  id: string,
  until: (job: any) => boolean = (j) => !['QUEUED', 'RUNNING'].includes(j.status),
  ms = 600_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const job = (await gqlData(url, JOB, { id })).job;
    if (until(job)) return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.status} at step ${job.stepsDone}`);
    await sleep(100);
  }
}

/** The same input again as a fresh job (restartJob), run to the end: the uninterrupted reference. */
export async function uninterruptedRun(url: string, id: string) {
  const fresh = (await gqlData(url, RESTART, { id })).restartJob.id;
  return waitForJob(url, fresh);
}

/** `PRAGMA integrity_check` of DATA_DIR/jobs.sqlite, read-only. */
export function sqliteIntegrity(dataDir: string): string {
  const file = join(dataDir, 'jobs.sqlite');
  if (!existsSync(file)) return 'ok';
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}
