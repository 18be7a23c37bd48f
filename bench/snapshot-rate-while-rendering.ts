import { gqlData } from '../test/server/helpers/graphql-client.js';
import { DOG_CAT, load, machine, REQUEST_SPRITES, runJob, startFreshServer, watchLayerSprites, type JobRun } from './_sprites-server.js';

/**
 * An attribution job that runs while sprites render keeps its snapshot rate within
 * 15 % of an idle machine's. One server (empty DATA_DIR); a warm-up job compiles the graphs; then
 * the same fixed-step job idle, with a BACKGROUND render of mixed4d sprites under way (started
 * and past its first, compiling step before the job starts), and idle again (A-B-A, so drift in
 * the machine's load shows). The render yields to attribution between its steps
 * (server/workers/attribution-gate.ts).
 * `npx tsx bench/snapshot-rate-while-rendering.ts [--steps 2000] [--chunk 50]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg('steps', '2000'));
const chunkSteps = Number(arg('chunk', '50'));
const job = { ...DOG_CAT, steps, chunkSteps, rule: 'LEFT_RIEMANN' };

const srv = await startFreshServer({ SPRITES_BACKGROUND: '0' });
interface Row {
  run: string;
  r: JobRun;
  load: string;
  renderSteps?: number;
}
const rows: Row[] = [];
try {
  await runJob(srv, { ...job, steps: 100, chunkSteps: 10 });
  rows.push({ run: 'idle', r: await runJob(srv, job), load: load() });

  // One batch of sprites the job's lists do not need (the layer's last 20 channels), at BACKGROUND priority.
  const channels = Array.from({ length: 20 }, (_, i) => 508 + i);
  const rendering = watchLayerSprites(srv, DOG_CAT.layer, (st) =>
    st.pending.some((p) => p.status === 'RENDERING' && p.etaSeconds !== null),
  );
  await gqlData(srv.url, REQUEST_SPRITES, { layer: DOG_CAT.layer, channels, priority: 'BACKGROUND' });
  await rendering;
  const during = await runJob(srv, job);
  const after = await gqlData(srv.url, '{ layer(name: "mixed4d") { sprites { pending { status } } } }');
  const stillRendering = after.layer.sprites.pending.some((p: { status: string }) => p.status === 'RENDERING');
  rows.push({
    run: stillRendering ? 'render under way (paused by the job, rendering again after it)' : 'render under way (it ended during the job)',
    r: during,
    load: load(),
  });

  // The render carries on after the job; the second idle run waits until its sprites are saved.
  const t0 = performance.now();
  await watchLayerSprites(srv, DOG_CAT.layer, (st) => st.pending.length === 0);
  console.log(`the render finished ${((performance.now() - t0) / 1000).toFixed(0)} s after the job`);
  rows.push({ run: 'idle again', r: await runJob(srv, job), load: load() });
} finally {
  await srv.close();
}

const rate = (r: JobRun) => r.snapshots / ((r.wallMs - r.firstSnapshotMs) / 1000);
const stepRate = (r: JobRun) => r.stepsDone / (r.wallMs / 1000);
const idle = (rate(rows[0].r) + rate(rows[2].r)) / 2;
console.log(
  `\nSnapshot rate of the dog/cat PATH job (${steps} steps, a snapshot every ${chunkSteps}), idle vs. while a BACKGROUND sprite render is under way; ${machine()}; shared machine`,
);
console.log(
  '| run | wall s | first snapshot s | snapshots | snapshots/s (after the first) | steps/s (whole job) | vs idle mean | load (1, 5, 15 min) |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const { run, r, load: l } of rows) {
  console.log(
    `| ${run} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.firstSnapshotMs / 1000).toFixed(2)} | ${r.snapshots} | ${rate(r).toFixed(2)} | ${stepRate(r).toFixed(1)} | ${(rate(r) / idle).toFixed(3)} | ${l} |`,
  );
}
