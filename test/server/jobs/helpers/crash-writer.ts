/**
 * A process that writes jobs through the real SQLite job store as the queue does, for the
 * kill-in-a-loop test (crash-consistency.test.ts): it creates JOBS jobs, resumes every unfinished
 * one from its checkpoint, and writes a snapshot and a checkpoint after each step, several jobs
 * interleaved, then finishes each. It prints `finished <id>` once a finish has resolved.
 * `node --import tsx crash-writer.ts FILE`.
 */
import { SqliteJobStore } from '../../../../server/jobs/sql/sqlite-job-store.js';
import { snapshot as makeSnapshot, newJob } from '../job-store-conformance.js';
import { CRASH_JOBS, CRASH_STEPS, crashContribution, CRASH_SIZE } from './crash-workload.js';

// As the server opens it: WAL checkpoints on their own thread, which a kill can land in too.
const store = new SqliteJobStore(process.argv[2], { backgroundCheckpoints: true });
process.stdout.write('writing\n');

for (let j = 0; j < CRASH_JOBS; j++) {
  const id = `job-${j}`;
  if (!(await store.get(id))) await store.create({ ...newJob(id), stepsTotal: CRASH_STEPS });
}

async function run(id: string) {
  const checkpoint = await store.getCheckpoint(id);
  const sums = new Float64Array(CRASH_SIZE);
  let step = 0;
  if (checkpoint) {
    step = checkpoint.stepsDone;
    sums.set(new Float64Array(checkpoint.data.slice().buffer));
  }
  await store.update(id, { status: 'RUNNING', startedAt: new Date() });
  while (step < CRASH_STEPS) {
    for (let i = 0; i < CRASH_SIZE; i++) sums[i] += crashContribution(id, step, i);
    step++;
    const values = Array.from(sums.subarray(0, 4));
    await store.saveSnapshot(
      id,
      { ...makeSnapshot(step, values), stepsTotal: CRASH_STEPS },
      { stepsDone: step, backend: 'test', data: new Uint8Array(sums.slice().buffer) },
    );
    // Let the other jobs write in between, as several running jobs do.
    await new Promise((r) => setImmediate(r));
  }
  const spatial = { height: 1, width: 1, channels: CRASH_SIZE, data: Float32Array.from(sums) };
  await store.finish(id, {
    status: 'SUCCEEDED',
    finishedAt: new Date(),
    error: null,
    snapshot: { ...makeSnapshot(step, Array.from(sums.subarray(0, 4)), true), stepsTotal: CRASH_STEPS },
    spatial,
    backend: 'test',
  });
  process.stdout.write(`finished ${id}\n`);
}

await Promise.all((await store.unfinished()).map((job) => run(job.id)));
await store.close();
process.stdout.write('all done\n');
