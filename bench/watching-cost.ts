import { chromium, type CDPSession, type Page } from 'playwright-core';
import { buildClient, CHROMIUM } from '../test/e2e/helpers/dashboard-page.js';
import { gqlData } from '../test/server/helpers/graphql-client.js';
import { type BenchServer, load, machine, startFreshServer, watchLayerSprites } from './_sprites-server.js';

/**
 * Does watching a job cost it time? The notebook's 100-step left Riemann job (dog/cat, mixed4d)
 * through the API, in interleaved rounds of three ways to follow it:
 * - nobody: one light SSE client (status only) while the browser shows about:blank;
 * - in page: the dashboard already open, routed in-page to /jobs/:id as a click on a link does
 *   (history.pushState and popstate), right after the job starts;
 * - opened: the dashboard loaded at /jobs/:id as the job starts (a new tab on its link).
 * Each figure is the job's own run time on the server (startedAt to finishedAt), and for the two
 * watched ways the browser's main-thread busy time during the job (Chrome's TaskDuration). Between
 * jobs the bench waits until the server has rendered the pictures the page asked for, so one
 * job's pictures never run into the next job. `npx tsx bench/watching-cost.ts [--rounds 5] [--steps 100]`.
 * A shared machine: compare the ratios within one run; the load average is printed.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg('rounds', '5'));
const JOB = {
  imageId: 'example-dog_cat_composite',
  layer: 'mixed4d',
  class1: 'Labrador retriever',
  class2: 'tiger cat',
  method: 'PATH',
  steps: Number(arg('steps', '100')),
  rule: 'LEFT_RIEMANN',
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const START = 'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }';
const JOB_TIMES = 'query ($id: ID!) { job(id: $id) { status startedAt finishedAt } }';

async function jobMs(srv: BenchServer, id: string): Promise<number> {
  let { job } = await gqlData(srv.url, JOB_TIMES, { id });
  // The last snapshot goes out just before the job's row records its end (and a status stream
  // can close early): poll until the row says the job ended.
  for (const end = Date.now() + 600_000; ['QUEUED', 'RUNNING'].includes(job.status) && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 50));
    ({ job } = await gqlData(srv.url, JOB_TIMES, { id }));
  }
  if (job.status !== 'SUCCEEDED') throw new Error(`job ${id} ended ${job.status}`);
  return Date.parse(job.finishedAt) - Date.parse(job.startedAt);
}

/** Resolves when the job's last snapshot has gone out, following it on one status-only SSE stream. */
async function followToEnd(srv: BenchServer, id: string) {
  const u = new URL(srv.url);
  u.searchParams.set('query', 'subscription ($id: ID!) { jobProgress(id: $id) { done } }');
  u.searchParams.set('variables', JSON.stringify({ id }));
  const res = await fetch(u, { headers: { accept: 'text/event-stream' } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    if (/"done":true/.test(buf)) {
      await reader.cancel();
      return;
    }
  }
}

/** Waits until no picture of the layer is queued or rendering (what the page asked for during the job). */
const rendersDone = (srv: BenchServer) => watchLayerSprites(srv, JOB.layer, (s) => s.pending.length === 0);

const taskSeconds = async (cdp: CDPSession) =>
  ((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.find(
    (m) => m.name === 'TaskDuration',
  )!.value;

type Way = 'nobody' | 'in page' | 'opened';

async function runOnce(srv: BenchServer, page: Page, cdp: CDPSession, way: Way) {
  const base = new URL(srv.url).origin;
  if (way === 'in page') {
    if (new URL(page.url()).origin !== base) await page.goto(`${base}/`);
    await page.waitForSelector('[data-example]');
  } else await page.goto('about:blank');
  const busy0 = await taskSeconds(cdp);
  const id = (await gqlData(srv.url, START, { input: JOB })).startAttribution.id as string;
  if (way === 'nobody') await followToEnd(srv, id);
  else {
    if (way === 'in page')
      await page.evaluate((path) => {
        window.history.pushState(null, '', path);
        window.dispatchEvent(new PopStateEvent('popstate'));
      }, `/jobs/${id}`);
    else await page.goto(`${base}/jobs/${id}`);
    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: 600_000 });
  }
  const busyMs = 1000 * ((await taskSeconds(cdp)) - busy0);
  const ms = await jobMs(srv, id);
  // Back to the new-job page (in page) or a blank tab, then let the pictures asked for render.
  if (way === 'in page')
    await page.evaluate(() => {
      window.history.pushState(null, '', '/');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
  else await page.goto('about:blank');
  await rendersDone(srv);
  return { ms, busyMs: way === 'nobody' ? 0 : busyMs };
}

console.log(`${machine()}; load average at start: ${load()}`);
await buildClient();
const srv = await startFreshServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const ways: Way[] = ['nobody', 'in page', 'opened'];
const results = new Map<Way, { ms: number; busyMs: number }[]>(ways.map((w) => [w, []]));
const version = browser.version();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // Warm-up: the engine's sessions for the layer, and the pictures of the channels this job shows.
  for (const way of ways) await runOnce(srv, page, cdp, way);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order, so a drift in the machine's load falls on every way alike.
    for (const way of [...ways.slice(r % 3), ...ways.slice(0, r % 3)]) results.get(way)!.push(await runOnce(srv, page, cdp, way));
    process.stderr.write(`  round ${r + 1}/${ROUNDS} done (load ${load()})\n`);
  }
} finally {
  await browser.close();
  await srv.close();
}
const none = median(results.get('nobody')!.map((x) => x.ms));
console.log(
  `\nA ${JOB.steps}-step ${JOB.rule.toLowerCase().replace('_', ' ')} job (${JOB.layer}, dog/cat), server-side run time, ${ROUNDS} interleaved rounds; Chromium ${version}:`,
);
console.table(
  ways.map((w) => {
    const runs = results.get(w)!;
    const m = median(runs.map((x) => x.ms));
    return {
      watching:
        w === 'nobody'
          ? 'nobody (one status-only SSE client)'
          : w === 'in page'
            ? 'dashboard, routed in-page'
            : 'dashboard, opened at the start',
      'job ms (median)': Math.round(m),
      'vs nobody': +(m / none).toFixed(2),
      'browser main thread ms per job (median)': w === 'nobody' ? '' : Math.round(median(runs.map((x) => x.busyMs))),
      runs: runs.map((x) => Math.round(x.ms)).join(', '),
    };
  }),
);
console.log(`load average at the end: ${load()}`);
