import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobStore } from '../server/jobs/sql/sqlite-job-store.js';
import { newJob, snapshot } from '../test/server/jobs/job-store-conformance.js';

/**
 * How long do the store's commits hold the event loop while running jobs write snapshots and MB
 * checkpoints, with SQLite's automatic WAL checkpoints (inside a commit, every 1000 pages) and
 * with them on a thread of their own (server/jobs/sql/wal-checkpointer.ts, the server's store)?
 * JOBS jobs at mixed4d's size (528 channels; a checkpoint is the 14x14x528 gradient sums plus a
 * row per step), a snapshot per chunk, a checkpoint every third, GAP ms apart; the two modes
 * alternate ROUNDS times. `npx tsx bench/sqlite-checkpoints.ts [--rounds 2] [--gap 15]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg('rounds', '2'));
const GAP_MS = Number(arg('gap', '15'));
const C = 528;
const JOBS = 8;
const CHUNKS = 20;
const STEPS_PER_CHUNK = 10;

async function run(backgroundCheckpoints: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const file = join(dir, 'jobs.sqlite');
  const store = new SqliteJobStore(file, { backgroundCheckpoints });
  const plain: number[] = [];
  const withCheckpoint: number[] = [];
  let walMax = 0;
  try {
    for (let j = 0; j < JOBS; j++) await store.create({ ...newJob(`job-${j}`), stepsTotal: CHUNKS * STEPS_PER_CHUNK });
    for (let k = 1; k <= CHUNKS; k++) {
      for (let j = 0; j < JOBS; j++) {
        const steps = k * STEPS_PER_CHUNK;
        const values = Array.from({ length: C }, (_, i) => Math.sin(i * k + j));
        const data = k % 3 === 1 ? new Uint8Array(Float64Array.from({ length: 14 * 14 * C + steps * C }, Math.random).buffer) : null;
        const t = performance.now();
        await store.saveSnapshot(
          `job-${j}`,
          { ...snapshot(steps, values), stepsTotal: CHUNKS * STEPS_PER_CHUNK },
          data ? { stepsDone: steps, backend: 'bench', data } : undefined,
        );
        (data ? withCheckpoint : plain).push(performance.now() - t);
        walMax = Math.max(walMax, statSync(`${file}-wal`).size);
        await new Promise((r) => setTimeout(r, GAP_MS));
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { plain, withCheckpoint, walMax };
}

const q = (ms: number[], p: number) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
const sum = (ms: number[]) => ms.reduce((a, b) => a + b, 0);

const rows: string[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const background of [false, true]) {
    const load = loadavg()[0];
    const { plain, withCheckpoint, walMax } = await run(background);
    const cells = (ms: number[]) => [q(ms, 50), q(ms, 90), Math.max(...ms)].map((v) => v.toFixed(1));
    rows.push([
      background ? 'own thread' : 'in the commit',
      ...cells(plain),
      ...cells(withCheckpoint),
      sum([...plain, ...withCheckpoint]).toFixed(0),
      (walMax / 1e6).toFixed(1),
      load.toFixed(2),
    ]);
  }
}
const bytes = ((14 * 14 * C + CHUNKS * STEPS_PER_CHUNK * C) * 8) / 1e6;
console.log(
  `\nsaveSnapshot time on the event loop (ms); ${JOBS} jobs x ${CHUNKS} chunks, ${GAP_MS} ms apart, checkpoints up to ${bytes.toFixed(2)} MB every third chunk`,
);
const head = ['WAL checkpoints', 'p50', 'p90', 'max', 'ckpt p50', 'ckpt p90', 'ckpt max', 'total', 'WAL MB', 'load avg'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(head));
for (const row of rows) console.log(line(row));
