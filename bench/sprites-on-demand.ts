import { gqlData } from '../test/server/helpers/graphql-client.js';
import { DASHBOARD_JOB, load, machine, REQUEST_SPRITES, runJob, startFreshServer, watchLayerSprites } from './_sprites-server.js';

/**
 * The on-demand sprites' promise: on a fresh server (empty DATA_DIR: no sprite, no compiled graph), the
 * dog/cat job at mixed4d as the dashboard starts it, then how long from the job's end until the
 * 20 channels of its top and bottom lists have a sprite, as the dashboard sees it: requestSprites
 * at VISIBLE priority for the 20, timed until `layerSprites` has delivered all of them.
 * `npx tsx bench/sprites-on-demand.ts [--rounds 2]`: each round is a new server on a new DATA_DIR.
 * A shared machine: the load average is printed with each row.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '1'));
const s = (ms: number) => (ms / 1000).toFixed(1);

interface Row {
  jobS: string;
  steps: number;
  firstSpriteS: string;
  allS: string;
  profile: string;
  loadBefore: string;
  loadAfter: string;
}

const rows: Row[] = [];
for (let round = 0; round < rounds; round++) {
  const srv = await startFreshServer();
  try {
    const loadBefore = load();
    const job = await runJob(srv, DASHBOARD_JOB);
    const channels = [...new Set([...job.top, ...job.bottom])];
    const t0 = performance.now();
    let firstAt = 0;
    let profile = '';
    const arrived = watchLayerSprites(srv, DASHBOARD_JOB.layer, (st) => {
      const have = st.sprites.filter((x) => channels.includes(x.channel));
      if (have.length > 0 && !firstAt) firstAt = performance.now() - t0;
      profile = [...new Set(have.map((x) => x.profile))].join('+');
      return have.length === channels.length;
    });
    await gqlData(srv.url, REQUEST_SPRITES, { layer: DASHBOARD_JOB.layer, channels, priority: 'VISIBLE' });
    await arrived;
    const allMs = performance.now() - t0;
    rows.push({
      jobS: s(job.wallMs),
      steps: job.stepsDone,
      firstSpriteS: s(firstAt),
      allS: s(allMs),
      profile,
      loadBefore,
      loadAfter: load(),
    });
    console.log(
      `round ${round + 1}: job ${s(job.wallMs)} s (${job.stepsDone} steps), ${channels.length} sprites ${s(allMs)} s after its end`,
    );
  } finally {
    await srv.close();
  }
}

console.log(
  `\nTime from the dog/cat job's end to its ${20} listed channels' sprites, fresh DATA_DIR each round; ${machine()}; shared machine, load average (1, 5, 15 min) printed`,
);
console.log('| round | job s (steps) | first sprite s | all 20 sprites s | profile | load before | load after |');
console.log('|---|---|---|---|---|---|---|');
rows.forEach((r, i) =>
  console.log(`| ${i + 1} | ${r.jobS} (${r.steps}) | ${r.firstSpriteS} | ${r.allS} | ${r.profile} | ${r.loadBefore} | ${r.loadAfter} |`),
);
