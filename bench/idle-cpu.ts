import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gqlData } from '../test/server/helpers/graphql-client.js';
import { DASHBOARD_JOB, load, machine, REQUEST_SPRITES, runJob, startFreshServer, watchLayerSprites } from './_sprites-server.js';

/**
 * Is an idle server idle? A fresh server as `npm start` runs it (server/launch.mjs, every setting
 * at its default but an empty DATA_DIR and a free port) runs the dashboard's default dog/cat job,
 * then the 20 pictures of its top and bottom lists that the dashboard asks for (VISIBLE); once
 * they have arrived and nobody asks for more, the server process's CPU time (all its threads:
 * API, engine workers, ONNX Runtime) is read from /proc over the next minute, in 10-second
 * slices, with its resident memory at the end. Once with the defaults, once with
 * SPRITES_BACKGROUND=1 (the rest of the layer rendered in the background: what opting in costs).
 * `npx tsx bench/idle-cpu.ts [--seconds 60]`. Linux only (/proc).
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg('seconds', '60'));
const SLICE_S = 10;
const TICKS_PER_S = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** CPU seconds (user + system, every thread) a process has used so far, and its resident set in MB. */
function usage(pid: number): { cpuS: number; rssMb: number } {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]),
    stime = Number(fields[12]),
    rssPages = Number(fields[21]);
  return { cpuS: (utime + stime) / TICKS_PER_S, rssMb: (rssPages * 4096) / 2 ** 20 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: Record<string, string | number>[] = [];
console.log(`${machine()}; load average at start: ${load()}`);
for (const [label, env] of [
  ['defaults', {}],
  ['SPRITES_BACKGROUND=1', { SPRITES_BACKGROUND: '1' }],
] as const) {
  const srv = await startFreshServer(env, { asNpmStart: true });
  try {
    const job = await runJob(srv, DASHBOARD_JOB);
    const channels = [...new Set([...job.top, ...job.bottom])];
    const t0 = performance.now();
    const arrived = watchLayerSprites(srv, DASHBOARD_JOB.layer, (st) => channels.every((c) => st.sprites.some((x) => x.channel === c)));
    await gqlData(srv.url, REQUEST_SPRITES, { layer: DASHBOARD_JOB.layer, channels, priority: 'VISIBLE' });
    await arrived;
    const spritesS = (performance.now() - t0) / 1000;
    const loadBefore = load();
    const slices: number[] = [];
    let prev = usage(srv.pid);
    const start = prev.cpuS;
    for (let s = 0; s < SECONDS; s += SLICE_S) {
      await sleep(SLICE_S * 1000);
      const now = usage(srv.pid);
      slices.push((100 * (now.cpuS - prev.cpuS)) / SLICE_S);
      prev = now;
    }
    rows.push({
      server: label,
      'job s': +(job.wallMs / 1000).toFixed(1),
      'its 20 pictures s': +spritesS.toFixed(1),
      [`idle CPU, mean of ${SECONDS} s (% of one core)`]: +((100 * (prev.cpuS - start)) / SECONDS).toFixed(1),
      [`per ${SLICE_S} s`]: slices.map((x) => x.toFixed(0)).join(' '),
      'RSS MB': Math.round(prev.rssMb),
      load: `${loadBefore} -> ${load()}`,
    });
    console.error(`[idle-cpu] ${label} done`);
  } finally {
    await srv.close();
  }
}
console.log(
  `\nAn idle server after a job (${DASHBOARD_JOB.layer}, until settled at 1 %) and the 20 pictures the dashboard asked for; CPU of the server process (all threads) over the next ${SECONDS} s:`,
);
console.table(rows);
console.log(`load average at the end: ${load()}`);
