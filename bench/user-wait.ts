import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT, runCli, type CliRun } from './_attribute-cli.js';
import { npmLaunchEnv } from './_machine.js';

/**
 * What a user waits for, in one run: the README's CLI example cold (empty graph
 * cache) and warm, split into compile / activations / path, with the wall clock; the project's
 * own warm path loop (bench/executors.ts, batch 10) as the yardstick; then a 100-step job
 * through the API with nobody watching and with the dashboard open in Chromium (job page and
 * channel detail), the time to its first snapshot and the ETA's error at 10, 50 and 90 %.
 * `npx tsx bench/user-wait.ts [--rounds 3] [--api-only]`. A shared machine: compare within one run.
 */
const JOB_INPUT = {
  imageId: 'example-dog_cat_composite',
  class1: 'Labrador retriever',
  class2: 'tiger cat',
  method: 'PATH',
  steps: 100,
  rule: 'LEFT_RIEMANN',
};
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (v: number) => Math.round(v);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');

/** bench/executors.ts's warm steady-state loop: ONNX Runtime, batch 10, a 100-step path, median of 3. */
function warmLoop(): { pathMs: number; firstSnapshotMs: number; jobMs: number } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/executors.ts'), '--child', 'onnx', '--batch', '10', '--repeats', '3'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`bench/executors.ts --child failed (exit ${r.status})`);
  const child = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { pathMs: median(child.pathMs), firstSnapshotMs: child.job.firstSnapshotMs, jobMs: child.job.totalMs };
}

async function gql<T>(base: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

interface Watch {
  /** Arrival of each snapshot, ms after `since`. */
  events: { stepsDone: number; etaMs: number; at: number }[];
  doneAt: number;
}

/** A light subscriber (no values, no maps): when each snapshot arrives and its ETA. */
async function follow(base: string, id: string, since: number): Promise<Watch> {
  const u = new URL(`${base}/graphql`);
  u.searchParams.set('query', 'subscription ($id: ID!) { jobProgress(id: $id) { stepsDone etaMs done } }');
  u.searchParams.set('variables', JSON.stringify({ id }));
  const res = await fetch(u, { headers: { accept: 'text/event-stream', 'x-graphql-yoga-csrf': '1' } });
  const events: Watch['events'] = [];
  let doneAt = 0;
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').find((l) => l.startsWith('data:'));
      const payload = data?.slice(5).trim();
      if (!payload) continue;
      const e = JSON.parse(payload).data?.jobProgress;
      if (!e) continue;
      const at = performance.now() - since;
      if (e.stepsDone > 0 && !events.some((x) => x.stepsDone === e.stepsDone)) events.push({ stepsDone: e.stepsDone, etaMs: e.etaMs, at });
      if (e.done) doneAt = at;
    }
    if (doneAt) break;
  }
  return { events, doneAt };
}

/** The job's own run time on the server (startedAt to finishedAt). */
async function serverJobMs(base: string, id: string): Promise<number> {
  const { job } = await gql<{ job: { status: string; startedAt: string; finishedAt: string } }>(
    base,
    'query ($id: ID!) { job(id: $id) { status startedAt finishedAt } }',
    { id },
  );
  if (job.status !== 'SUCCEEDED') throw new Error(`job ${id} ended ${job.status}`);
  return Date.parse(job.finishedAt) - Date.parse(job.startedAt);
}

async function unwatchedJob(base: string) {
  const since = performance.now();
  const { startAttribution } = await gql<{ startAttribution: { id: string } }>(
    base,
    'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }',
    { input: JOB_INPUT },
  );
  const watch = await follow(base, startAttribution.id, since);
  return { jobMs: await serverJobMs(base, startAttribution.id), watch };
}

/** The same job started from the dashboard, which stays on its page with the best channel's detail open. */
async function watchedJob(base: string, page: Page) {
  await page.goto(base + '/');
  await page.click('[data-example="dog_cat_composite"]');
  await page.waitForSelector('[data-testid=predictions] tbody tr');
  await page.fill('#class1', 'Labrador retriever');
  await page.fill('#class2', 'tiger cat');
  await page.keyboard.press('Escape');
  await page.check('input[name=method][value=PATH]');
  await page.selectOption('#rule', 'LEFT_RIEMANN');
  for (const [field, value] of [
    ['#steps', '100'],
    ['#groups', '0'],
  ]) {
    await page.fill(field, value);
    await page.locator(field).dispatchEvent('change');
  }
  await page.click('[data-testid=start]');
  await page.waitForURL((url) => /\/jobs\//.test(url.pathname));
  const id = /\/jobs\/([^/?#]+)/.exec(page.url())![1];
  await page.click('[data-testid=channels-top] li:first-child button', { timeout: 120_000 });
  await page.waitForSelector('[data-testid=channel-detail]');
  await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: 600_000 });
  const jobMs = await serverJobMs(base, id);
  await page.goto('about:blank');
  return { jobMs };
}

function startServer(env: Record<string, string>): Promise<{ base: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'server/launch.mjs'), 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...npmLaunchEnv(), PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const stop = () =>
    new Promise<void>((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill('SIGTERM');
    });
  return new Promise((ok, fail) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/[^/\s]+)/.exec(log);
      if (m) ok({ base: m[1], stop });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the server exited (${code}):\n${log}`)));
  });
}

/** (ETA - actual time left) / actual time left at the snapshot nearest a share of the steps. */
function etaError(w: Watch, share: number) {
  const e = w.events.reduce((a, b) => (Math.abs(b.stepsDone - 100 * share) < Math.abs(a.stepsDone - 100 * share) ? b : a));
  const left = w.doneAt - e.at;
  return { stepsDone: e.stepsDone, error: (e.etaMs - left) / left };
}

async function main() {
  const rounds = Number(arg('rounds', '3'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'user-wait-cache-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'user-wait-data-'));
  process.stderr.write(`load average at start: ${load()}\n`);
  try {
    spawnSync(process.execPath, [join(ROOT, 'server/build-entry-points.mjs')], { cwd: ROOT, stdio: 'ignore' });

    // The CLI: cold (empty graph cache), three warm runs, and one through npm; then the yardstick.
    const withCli = !process.argv.includes('--api-only');
    const cli: { run: string; r: CliRun }[] = [];
    if (withCli) {
      cli.push({ run: 'cold cache', r: runCli(cacheDir) });
      for (let i = 1; i <= 3; i++) cli.push({ run: `warm cache ${i}`, r: runCli(cacheDir) });
      cli.push({ run: 'warm, via npm run', r: runCli(cacheDir, { viaNpm: true }) });
    }
    const loop = warmLoop();
    const warm = withCli ? median(cli.slice(1, 4).map((c) => c.r.elapsedMs)) : NaN;

    // The API: a warm-up job, then rounds of (nobody watching, the dashboard watching).
    const server = await startServer({ DATA_DIR: dataDir, ENGINE_CACHE_DIR: cacheDir });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const unwatched: Awaited<ReturnType<typeof unwatchedJob>>[] = [];
    const watched: number[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // Warm-up: the engine's sessions, and what the dashboard computes once per layer (the
      // channel detail's dataset examples run in the engine worker, cached after the first view).
      await unwatchedJob(server.base);
      await watchedJob(server.base, page);
      for (let k = 0; k < rounds; k++) {
        unwatched.push(await unwatchedJob(server.base));
        watched.push((await watchedJob(server.base, page)).jobMs);
        process.stderr.write(`  round ${k + 1}/${rounds} done\n`);
      }
    } finally {
      await browser.close();
      await server.stop();
    }

    if (withCli)
      console.log(
        `\nREADME's CLI example (mixed4d, PATH, 100 steps left Riemann, 224 px dog_cat_composite), ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}; load average now ${load()}`,
      );
    if (withCli)
      console.table(
        cli.map(({ run, r }) => ({
          run,
          'elapsedMs (wait)': ms(r.elapsedMs),
          compileMs: ms(r.compileMs),
          activationsMs: ms(r.activationsMs),
          pathMs: ms(r.pathMs),
          'graphs built / cached': `${r.graphs.compiled} / ${r.graphs.fromCache}`,
          'start-up ms': ms(r.startupMs),
          'wall clock ms': ms(r.wallMs),
        })),
      );
    console.log(
      `Warm steady-state path loop (bench/executors.ts, batch 10, median of 3): ${ms(loop.pathMs)} ms.` +
        (withCli ? ` CLI elapsedMs, median of the warm runs: ${ms(warm)} ms = ${(warm / loop.pathMs).toFixed(2)} x the loop.` : ''),
    );

    const first = unwatched.map((u) => u.watch.events[0]);
    const total = unwatched.map((u) => u.watch.doneAt);
    console.log(`\nA 100-step job through the API (same inputs), server-side run time, ${rounds} interleaved rounds:`);
    const none = median(unwatched.map((u) => u.jobMs));
    const open = median(watched);
    console.table([
      { watching: 'nobody (one light SSE client)', 'job ms (median)': ms(none), runs: unwatched.map((u) => ms(u.jobMs)).join(', ') },
      { watching: 'dashboard in Chromium: job page + channel detail', 'job ms (median)': ms(open), runs: watched.map(ms).join(', ') },
    ]);
    console.log(`Watched / unwatched: ${(open / none).toFixed(2)}.`);
    console.log('\nFirst snapshot and ETA, from the unwatched jobs (request to arrival at the client):');
    console.table(
      unwatched.map((u, i) => ({
        job: i + 1,
        'first snapshot ms': ms(first[i].at),
        'at step': first[i].stepsDone,
        'job ms (request to done)': ms(total[i]),
        'first / job': +(first[i].at / total[i]).toFixed(3),
        'ETA error at 10%': `${(100 * etaError(u.watch, 0.1).error).toFixed(0)}%`,
        'at 50%': `${(100 * etaError(u.watch, 0.5).error).toFixed(0)}%`,
        'at 90%': `${(100 * etaError(u.watch, 0.9).error).toFixed(0)}%`,
      })),
    );
    console.log(
      `(bench/executors.ts's in-process job on a warm executor, same run: first snapshot ${ms(loop.firstSnapshotMs)} ms of ${ms(loop.jobMs)} ms.)`,
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
