import { gqlData } from '../test/server/helpers/graphql-client.js';
import { DOG_CAT, load, machine, runJob, startFreshServer, type JobRun } from './_sprites-server.js';

/**
 * Issues 16 and 12: a dashboard job asks for its groups' icons as soon as its groups exist; the
 * icons render in the render lane and step aside for attribution between steps, so the job keeps
 * its snapshot rate. One server (empty DATA_DIR); a warm-up job compiles the graphs and renders
 * one set of icons; then the same fixed-step job with 6 groups: idle, with its icons asked for as
 * soon as its groups exist (as the dashboard does), and idle again (A-B-A, so drift in the
 * machine's load shows). Prints when the icons arrived, counted from the job's end.
 * `npx tsx bench/icons-during-job.ts [--steps 600] [--chunk 20]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg('steps', '600'));
const chunkSteps = Number(arg('chunk', '20'));
const job = { ...DOG_CAT, steps, chunkSteps, rule: 'LEFT_RIEMANN', groups: 6 };
const ICONS = 'query ($id: ID!) { job(id: $id) { result { groups { groups { icon } } } } }';
const HAS_GROUPS = 'query ($id: ID!) { job(id: $id) { result { groups { count } } } }';

const srv = await startFreshServer({ SPRITES_BACKGROUND: '0' });

/** Once the job has its groups (polled), asks for their icons; resolves when they arrive (performance.now()). */
async function askIcons(id: string, groups: number): Promise<number> {
  for (;;) {
    const d = await gqlData(srv.url, HAS_GROUPS, { id });
    if (d.job?.result?.groups) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const d = await gqlData(srv.url, ICONS, { id });
  const icons = d.job.result.groups.groups.map((g: { icon: string | null }) => g.icon);
  if (icons.length !== groups || icons.some((i: string | null) => !i?.startsWith('data:image/png')))
    throw new Error(`icons missing: ${JSON.stringify(icons).slice(0, 200)}`);
  return performance.now();
}

interface Row {
  run: string;
  r: JobRun;
  load: string;
}
const rows: Row[] = [];
let iconsAfterJobS = NaN;
try {
  // Warm-up: graphs compiled, the icon render path too (a different factorization: 4 groups).
  let warm: Promise<number> | undefined;
  await runJob(srv, { ...job, steps: 60, groups: 4 }, (id) => (warm = askIcons(id, 4)));
  await warm;
  rows.push({ run: 'idle (groups, no icons asked)', r: await runJob(srv, job), load: load() });
  let icons: Promise<number> | undefined;
  const t0 = performance.now();
  const during = await runJob(srv, job, (id) => (icons = askIcons(id, 6)));
  const jobEnd = t0 + during.wallMs;
  iconsAfterJobS = ((await icons!) - jobEnd) / 1000;
  rows.push({ run: 'icons asked as soon as the groups exist', r: during, load: load() });
  rows.push({ run: 'idle again', r: await runJob(srv, job), load: load() });
} finally {
  await srv.close();
}

const rate = (r: JobRun) => r.snapshots / ((r.wallMs - r.firstSnapshotMs) / 1000);
const idle = (rate(rows[0].r) + rate(rows[2].r)) / 2;
console.log(
  `\nSnapshot rate of the dog/cat PATH job with 6 groups (${steps} steps, a snapshot every ${chunkSteps}), idle vs. with its icons asked for during it; ${machine()}; shared machine`,
);
console.log('| run | wall s | first snapshot s | snapshots | snapshots/s (after the first) | vs idle mean | load (1, 5, 15 min) |');
console.log('|---|---|---|---|---|---|---|');
for (const { run, r, load: l } of rows) {
  console.log(
    `| ${run} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.firstSnapshotMs / 1000).toFixed(2)} | ${r.snapshots} | ${rate(r).toFixed(2)} | ${(rate(r) / idle).toFixed(3)} | ${l} |`,
  );
}
console.log(
  `The icons arrived ${iconsAfterJobS.toFixed(1)} s after the job's last snapshot (thumbnail profile: 6 directions, 80 px, 128 steps, one batch).`,
);
