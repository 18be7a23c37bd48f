import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, buildClient, CHROMIUM, fillClasses, jobIdOf } from './helpers/dashboard-page.js';

/** A 100-step path job on a loaded 2-core machine: generous, it is a bound, not a benchmark. */
const JOB_TIMEOUT_MS = 240_000;

interface Render {
  stepsDone: number;
  channels: number[];
  status: string;
  /** Row animations running right after this render (FLIP slides and fade-ins). */
  animations: number;
  /** performance.now() of the render. */
  at: number;
}

let server: ChildProcess;
let base = '';
let dataDir = '';
let browser: Browser;
let page: Page;

/** Starts the real server (server/main.ts) on a free port and resolves with its origin. */
function startServer(): Promise<string> {
  dataDir = mkdtempSync(join(tmpdir(), 'dashboard-e2e-'));
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    // The job pages ask for their channels' pictures; no background fill of the rest of the layer
    // keeps this file's CPU bounded (test/e2e/sprites-on-demand.test.ts covers the pictures).
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, SPRITES_BACKGROUND: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((ok, fail) => {
    const onData = (d: Buffer) => {
      log += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m) ok(m[1]);
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => fail(new Error(`server exited with ${code} before listening:\n${log}`)));
  });
}

async function api<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Records every state of the top-channel list the page draws (stepsDone, channel order, job status). */
function recordTopListRenders() {
  const w = window as unknown as { __renders: Render[] };
  w.__renders = [];
  const snapshot = () => {
    const list = document.querySelector('[data-testid="channels-top"]');
    if (!list) return;
    const render = {
      stepsDone: Number(list.getAttribute('data-steps-done')),
      channels: [...list.querySelectorAll('li[data-channel]')].map((li) => Number(li.getAttribute('data-channel'))),
      status: document.querySelector('[data-testid="job-status"]')?.textContent ?? '',
      animations: list.getAnimations({ subtree: true }).length,
      at: performance.now(),
    };
    const last = w.__renders[w.__renders.length - 1];
    if (!last || last.stepsDone !== render.stepsDone || last.channels.join() !== render.channels.join()) w.__renders.push(render);
  };
  new MutationObserver(snapshot).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-steps-done'],
  });
}

async function startJobFromUi(steps: number, untilSettled = false) {
  // The dashboard's default stops when settled; the fixed-step tests turn that off.
  if (untilSettled) await page.check('#untilSettled');
  else await page.uncheck('#untilSettled');
  await page.fill('#steps', String(steps));
  await page.locator('#steps').dispatchEvent('change');
  const before = jobIdOf(page.url());
  await page.click('[data-testid=start]');
  await page.waitForURL((url) => jobIdOf(url.pathname) !== undefined && jobIdOf(url.pathname) !== before);
  return jobIdOf(page.url())!;
}

describe('dashboard end to end in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClient();
    base = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((ok) => server.once('exit', ok));
      server.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  // First in the file: group icons wait their turn in the server's one render lane, behind the
  // renders earlier jobs asked for (their icons, their lists' sprites), so this test's icons
  // render right after its own job only while nothing else is queued.
  it('neuron groups at mixed4d, live: tinted regions, group rows and icons, at a pointed position, the semantic dictionary and spatial attribution; no axe violations', async () => {
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForSelector('[data-testid=predictions] tbody tr');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.check('input[name=method][value=PATH]');
    await page.fill('#groups', '6');
    await page.locator('#groups').dispatchEvent('change');
    const jobId = await startJobFromUi(32);

    // Groups arrive with the first snapshots, while the job still runs.
    await page.waitForSelector('[data-testid=groups] li[data-group]', { timeout: JOB_TIMEOUT_MS });
    const midRun = await page.evaluate(() => ({
      status: document.querySelector('[data-testid="job-status"]')?.getAttribute('data-status'),
      steps: Number(document.querySelector('[data-testid="groups"]')?.getAttribute('data-steps-done')),
      groups: document.querySelectorAll('[data-testid="groups"] li[data-group]').length,
      errorBars: document.querySelectorAll('[data-testid="groups"] [data-testid="group-error-bar"]').length,
      tint: document.querySelector('.groups-overlay img.group-tint')?.getAttribute('src') ?? '',
      iconsStatus: document.querySelector('[data-testid="group-icons-status"]')?.textContent ?? '',
    }));
    expect(midRun.groups).toBe(6);
    // A path job's group values are estimates: each row carries its 2-sigma bar.
    expect(midRun.errorBars).toBe(6);
    expect(midRun.tint).toMatch(/^data:image\/png;base64,/);
    // The icons wait for the job (they render when no attribution runs), and the panel says so.
    expect(midRun.iconsStatus).toMatch(/Group icons are queued/);

    // Point at the dog's side of the image: the dictionary of that position is drawn.
    await page.locator('.groups-overlay').scrollIntoViewIfNeeded();
    const box = (await page.locator('.groups-overlay').boundingBox())!;
    // Column 4 (0.32 * 14 = 4.5), row 7 (0.54 * 14 = 7.6): cell centres, clear of rounding at the edges.
    await page.mouse.move(box.x + box.width * 0.32, box.y + box.height * 0.54);
    await page.waitForSelector('[data-testid=dictionary] li[data-channel]', { timeout: 60_000 });
    expect(await page.textContent('.position-detail h4')).toMatch(/Column 4, row 7/);
    // And the keyboard moves the same cursor.
    await page.focus('.groups-overlay');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.textContent('.position-detail h4'), { timeout: 30_000 }).toMatch(/Column 5, row 7/);

    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
    await page.waitForFunction(() => document.querySelector('.position-attribution') !== null, undefined, { timeout: 60_000 });

    // The final group values are the API's, and the dictionary the API's at that position.
    const { job } = await api<{
      job: { result: { groups: { groups: { attribution: number }[] } }; semanticDictionary: { channels: { channel: number }[] } };
    }>(
      'query($id: ID!) { job(id: $id) { result { groups { groups { attribution } } } semanticDictionary(x: 5, y: 7, first: 6) { channels { channel } } } }',
      { id: jobId },
    );
    const drawn = await page.$$eval('[data-testid=dictionary] li[data-channel]', (lis) =>
      lis.map((li) => Number(li.getAttribute('data-channel'))),
    );
    expect(drawn).toEqual(job.semanticDictionary.channels.map((c) => c.channel));
    expect(job.result.groups.groups).toHaveLength(6);
    expect(midRun.steps).toBeLessThanOrEqual(32);

    // Each group's icon (its channel factor as a direction objective) arrives once rendered.
    await page.waitForSelector('[data-testid=groups] li[data-group] img.group-icon', { timeout: JOB_TIMEOUT_MS });
    expect(await page.$$eval('img.group-icon', (imgs) => imgs.map((i) => (i as HTMLImageElement).src.slice(0, 22)))).toEqual(
      Array(6).fill('data:image/png;base64,'),
    );
    expect(await page.$('[data-testid=group-icons-status]')).toBeNull();

    // Layer-to-layer, opt-in: which mixed4d positions feed the mixed5a cell under position (5, 7), i.e. mixed5a's (2, 3).
    await page.click('[data-testid=layer-to-layer-request]');
    await page.waitForSelector('[data-testid=layer-to-layer-heatmap]', { timeout: 120_000 });
    expect(await page.textContent('[data-testid=layer-to-layer-heading]')).toMatch(
      /mixed5a column 2, row 3 draws on these mixed4d positions/,
    );
    const { job: l2l } = await api<{ job: { layerToLayerAttribution: { target: { attribution: { heatmap: string } } } } }>(
      'query($id: ID!) { job(id: $id) { layerToLayerAttribution(to: "mixed5a") { target(x: 2, y: 3) { attribution { heatmap } } } } }',
      { id: jobId },
    );
    expect(await page.getAttribute('[data-testid=layer-to-layer-heatmap]', 'src')).toBe(
      l2l.layerToLayerAttribution.target.attribution.heatmap,
    );
    // The keyboard moves it too: two columns right is mixed5a's next column.
    await page.focus('.groups-overlay');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.textContent('[data-testid=layer-to-layer-heading]'), { timeout: 30_000 })
      .toMatch(/mixed5a column 3, row 3/);

    expect(await axeViolations(page)).toEqual([]);
    await page.locator('.groups-panel').screenshot({ path: join(ARTIFACTS, 'neuron-groups.png') });
    // UPDATE_DOCS_SCREENSHOTS=1 redraws the picture in docs/building-blocks.md.
    if (process.env.UPDATE_DOCS_SCREENSHOTS)
      await page.locator('.groups-panel').screenshot({ path: join(process.cwd(), 'docs', 'neuron-groups.png') });
  });

  it('runs a 100-step PATH job on the dog/cat example and redraws the top channels as it refines', async () => {
    await page.addInitScript(recordTopListRenders);
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForSelector('[data-testid=predictions] tbody tr');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.check('input[name=method][value=PATH]');
    // Heatmaps come drawn from the maps in each snapshot: no image request per channel.
    const heatmapRequests: string[] = [];
    page.on('request', (r) => {
      const sent = decodeURIComponent(r.url()) + (r.postData() ?? '');
      if (/heatmap\s*\(/.test(sent)) heatmapRequests.push(sent);
    });
    const jobId = await startJobFromUi(100);

    // Mid-run: the first snapshots are drawn while the job is still running.
    await page.waitForFunction(
      () => {
        const r = (window as unknown as { __renders: Render[] }).__renders;
        return r.filter((x) => x.status === 'running' && x.stepsDone < 100).length >= 2;
      },
      undefined,
      { timeout: JOB_TIMEOUT_MS },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'path-job-mid-run.png'), fullPage: true });

    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
    await page.waitForFunction(() => document.querySelector('[data-testid="channels-top"]')?.getAttribute('data-steps-done') === '100');
    const renders = await page.evaluate(() => (window as unknown as { __renders: Render[] }).__renders);
    const beforeCompletion = new Set(renders.filter((r) => r.stepsDone < 100).map((r) => r.stepsDone));
    expect(beforeCompletion.size, `renders: ${JSON.stringify(renders.map((r) => r.stepsDone))}`).toBeGreaterThanOrEqual(3);
    // Rows that changed rank slid to their new place rather than jumping, unless the ranking
    // changed again faster than a slide plays (450 ms): then they jump (margins for timer jitter).
    const changes = renders.filter((r, i) => i > 0 && r.channels.join() !== renders[i - 1].channels.join());
    expect(changes.length).toBeGreaterThan(0);
    const gaps = changes.map((r, i) => ({ r, gap: i === 0 ? Infinity : r.at - changes[i - 1].at }));
    const slow = gaps.filter((g) => g.gap > 600),
      fast = gaps.filter((g) => g.gap < 300);
    if (slow.length > 0)
      expect(
        slow.some((g) => g.r.animations > 0),
        JSON.stringify(gaps),
      ).toBe(true);
    for (const g of fast) expect(g.r.animations, JSON.stringify(gaps)).toBe(0);

    const shownTop3 = (
      await page.$$eval('[data-testid=channels-top] li[data-channel]', (lis) => lis.map((li) => Number(li.getAttribute('data-channel'))))
    ).slice(0, 3);
    const { job } = await api<{ job: { status: string; result: { top: { channel: number }[] } } }>(
      'query($id: ID!) { job(id: $id) { status result { top(first: 3) { channel } } } }',
      { id: jobId },
    );
    expect(job.status).toBe('SUCCEEDED');
    expect(shownTop3).toEqual(job.result.top.map((c) => c.channel));

    // Heatmaps follow the run and end on the final map; open the best channel's detail view.
    await page.waitForSelector('[data-testid=channels-top] svg.heatmap[data-has-heatmap=true]', { timeout: 30_000 });
    await page.click('[data-testid=channels-top] li:first-child button');
    await page.waitForSelector('[data-testid=channel-detail] svg.heatmap[data-has-heatmap=true]');
    expect(heatmapRequests).toEqual([]);
    // The detail view shows what excites the channel in the example images (crops computed by the engine).
    await page.waitForSelector('[data-testid=channel-detail] .dataset-examples svg', { timeout: 120_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'path-job-final.png'), fullPage: true });
    // UPDATE_DOCS_SCREENSHOTS=1 redraws the README's picture of the dashboard: the page's first 1300 px, the detail open beside its row.
    if (process.env.UPDATE_DOCS_SCREENSHOTS)
      await page.screenshot({
        path: join(process.cwd(), 'docs', 'dashboard.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: 1300 },
      });
    await page.keyboard.press('Escape');
  });

  it('until settled (the default, 1 %): error bars on the distribution and every channel row, a settled marker, no axe violations', async () => {
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForSelector('[data-testid=predictions] tbody tr');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.check('input[name=method][value=PATH]');
    expect(await page.isChecked('#untilSettled')).toBe(true);
    const jobId = await startJobFromUi(256, true);
    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
    const { job } = await api<{ job: { stepsDone: number; settledAtStep: number; result: { top: { channel: number; error: number }[] } } }>(
      'query($id: ID!) { job(id: $id) { stepsDone settledAtStep result { top(first: 10) { channel error } } } }',
      { id: jobId },
    );
    expect(job.stepsDone).toBeLessThan(255);
    const marker = page.locator('[data-testid=settled-marker]');
    await marker.waitFor();
    expect(await marker.textContent()).toContain(`settled at step ${job.settledAtStep}`);
    // Every row of both lists carries its 2-sigma bar, the same number the API reports.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=channels-top] [data-testid=error-bar]').length === 10);
    expect(await page.locator('[data-testid=channels-bottom] [data-testid=error-bar]').count()).toBe(10);
    const firstBar = await page.locator('[data-testid=channels-top] li:first-child [data-testid=error-bar]').textContent();
    expect(firstBar).toMatch(/±\s*[\d.]+/);
    // The distribution's error bars: one segment per channel, in one path.
    const channels = await page.$eval('[data-testid=distribution-errors]', (p) => (p.getAttribute('d') ?? '').split('M').length - 1);
    expect(channels).toBe(528);
    expect(await page.locator('[data-testid=relative-error-series]').getAttribute('d')).toMatch(/^M/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'until-settled.png'), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOTS)
      await page.screenshot({ path: join(process.cwd(), 'docs', 'convergence.png'), fullPage: true });
  });

  it('cancels a running job from the UI', async () => {
    const jobId = await startJobFromUi(2000);
    await page.waitForSelector('[data-testid=job-status][data-status=RUNNING]', { timeout: JOB_TIMEOUT_MS });
    // Heatmaps of the running estimate are drawn before the job finishes.
    await page.waitForSelector('[data-testid=channels-top] svg.heatmap[data-has-heatmap=true]', { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid=job-status]', 'data-status')).toBe('RUNNING');
    await page.click('[data-testid=cancel]');
    await page.waitForSelector('[data-testid=job-status][data-status=CANCELLED]', { timeout: 60_000 });
    const { job } = await api<{ job: { status: string; stepsDone: number; stepsTotal: number } }>(
      'query($id: ID!) { job(id: $id) { status stepsDone stepsTotal } }',
      { id: jobId },
    );
    expect(job.status).toBe('CANCELLED');
    expect(job.stepsDone).toBeLessThan(job.stepsTotal);
    await page.screenshot({ path: join(ARTIFACTS, 'cancelled-job.png'), fullPage: true });
  });

  it('details: a picked image refills edited classes (also on a job page); the channel detail covers neither the distribution nor the bottom list', async () => {
    const topTwo = () =>
      page.$$eval('[data-testid=predictions] tbody tr .class-name', (cells) => cells.slice(0, 2).map((c) => c.textContent));
    const classes = async () => [await page.inputValue('#class1'), await page.inputValue('#class2')];
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForSelector('[data-testid=predictions] tbody tr');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.click('[data-example="chelsea_cat"]');
    await page.waitForFunction(() => document.querySelector('figure.predictions > img')?.getAttribute('alt') === 'chelsea_cat');
    expect(await classes()).toEqual(await topTwo());

    // On a job's page: picking another image still refills the classes, over edited ones.
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForFunction(() => document.querySelector('figure.predictions > img')?.getAttribute('alt') === 'dog_cat_composite');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.check('input[name=method][value=SIMPLE]');
    await page.click('[data-testid=start]');
    await page.waitForURL((url) => jobIdOf(url.pathname) !== undefined);
    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
    // The reopened job keeps its own classes.
    expect(await classes()).toEqual(['Labrador retriever', 'tiger cat']);
    await page.fill('#class1', 'Egyptian cat');
    await page.keyboard.press('Escape');
    await page.click('[data-example="coffee"]');
    await page.waitForFunction(() => document.querySelector('figure.predictions > img')?.getAttribute('alt') === 'coffee');
    expect(await classes()).toEqual(await topTwo());

    // The channel detail sits clear of the distribution and the bottom list; Escape closes it.
    await page.click('[data-testid=channels-top] li:first-child button');
    const detail = page.locator('[data-testid=channel-detail]');
    await detail.waitFor();
    expect(await detail.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
      a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    const detailBox = await box('[data-testid=channel-detail]');
    expect(overlap(detailBox, await box('[data-testid=distribution]'))).toBe(false);
    expect(overlap(detailBox, await box('[data-testid=channels-bottom]'))).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'channel-detail.png'), fullPage: true });
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });
});
