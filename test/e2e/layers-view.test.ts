import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { serverSettings } from '../../server/settings.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, buildClient, CHROMIUM, fillClasses, jobIdOf } from './helpers/dashboard-page.js';

/** The example images the server lists (EXAMPLES_DIR, else beside the model). */
const IMAGES = serverSettings().examplesDir!;

/** A bound for a few short jobs on a loaded 2-core machine, not a benchmark. */
const JOB_TIMEOUT_MS = 300_000;

let server: ChildProcess;
let base = '';
let dataDir = '';
let browser: Browser;
let page: Page;

function startServer(): Promise<string> {
  dataDir = mkdtempSync(join(tmpdir(), 'layers-e2e-'));
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function gql(query: string): Promise<any> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data: unknown; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Records each column's status and steps as the page draws them. */
function recordColumns() {
  const w = window as unknown as { __columns: string[] };
  w.__columns = [];
  const note = () => {
    const cols = [...document.querySelectorAll('.layer-column')].map(
      (c) => `${c.getAttribute('data-layer')}:${c.getAttribute('data-status')}:${c.getAttribute('data-steps-done')}`,
    );
    const line = cols.join(' ');
    if (cols.length && w.__columns.at(-1) !== line) w.__columns.push(line);
  };
  new MutationObserver(note).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-status', 'data-steps-done'],
  });
}

describe('layers view and multi-image jobs in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClient();
    base = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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

  it('draws one column per layer, input to output, refining live, with pictures; pointing at a channel lays its map over the image; no axe violations', async () => {
    const layers = ['mixed3b', 'mixed4d', 'mixed5a'];
    await page.addInitScript(recordColumns);
    // Through the form: the layer, and two more ticked under "Several layers".
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.selectOption('#layer', 'mixed4d');
    await page.click('.more-layers summary');
    await page.check('#layer-mixed5a');
    await page.check('#layer-mixed3b');
    expect(await page.locator('.more-layers summary').textContent()).toContain('3 in this job');
    expect(await page.locator('#groups').isDisabled()).toBe(true);
    await page.fill('#steps', '128');
    await page.fill('#tolerance', '2');
    await page.locator('#tolerance').blur();
    await page.click('[data-testid=start]');
    await page.waitForURL(/\/jobs\//);
    const id = jobIdOf(page.url())!;
    const job = await gql(`{ job(id: "${id}") { input { layers imageIds groups tolerance } } }`);
    expect(job.job.input).toEqual({ layers, imageIds: ['example-dog_cat_composite'], groups: null, tolerance: 0.02 });
    await page.waitForSelector('.layer-column', { timeout: JOB_TIMEOUT_MS });
    expect(await page.$$eval('.layer-column', (cs) => cs.map((c) => c.getAttribute('data-layer')))).toEqual(layers);
    await page.waitForFunction(
      () => [...document.querySelectorAll('.layer-column')].every((c) => c.getAttribute('data-status') === 'DONE'),
      null,
      {
        timeout: JOB_TIMEOUT_MS,
      },
    );
    const seen = await page.evaluate(() => (window as unknown as { __columns: string[] }).__columns);
    // Live: the page drew the columns while they were still running, several times.
    expect(seen.some((line) => line.includes(':RUNNING:'))).toBe(true);
    expect(seen.length).toBeGreaterThan(2);

    // Each column: its top and bottom 5, with values and bars.
    for (const layer of layers) {
      expect(await page.locator(`[data-testid=layer-top-${layer}] button`).count()).toBe(5);
      expect(await page.locator(`[data-testid=layer-bottom-${layer}] button`).count()).toBe(5);
    }
    // Pointing at a bottom channel of mixed4d shows that channel's map over the image.
    const target = page.locator('[data-testid=layer-bottom-mixed4d] button').first();
    const channel = await target.getAttribute('data-channel');
    await target.hover();
    const heat = page.locator('.layer-column[data-layer=mixed4d] svg.heatmap');
    await expect.poll(() => heat.getAttribute('aria-label')).toBe(`mixed4d, channel ${channel} over the image`);
    expect(await heat.getAttribute('data-has-heatmap')).toBe('true');
    // Keyboard reaches it too.
    await page.locator('[data-testid=layer-top-mixed5a] button').nth(1).focus();
    const focused = await page.locator('[data-testid=layer-top-mixed5a] button').nth(1).getAttribute('data-channel');
    expect(await page.locator('.layer-column[data-layer=mixed5a] svg.heatmap').getAttribute('aria-label')).toBe(
      `mixed5a, channel ${focused} over the image`,
    );

    // Each row has its channel's picture: once the column is done its pictures are asked for, and a
    // row shows the sprite, or that it is queued or rendering.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.layer-column[data-layer=mixed5a] .layer-channel-picture')].every((p) => p.querySelector('.sprite')),
      null,
      { timeout: 60_000 },
    );
    // Picking a position on mixed5a's picture draws, over mixed4d's, where it comes from (layer-to-layer attribution).
    const picture = page.locator('[data-testid=layer-picture-mixed5a]');
    const pbox = (await picture.boundingBox())!;
    // mixed5a's grid is 7 x 7: a click at 60 % across and 30 % down is cell (4, 2).
    await page.mouse.click(pbox.x + pbox.width * 0.6, pbox.y + pbox.height * 0.3);
    await expect
      .poll(() => page.locator('[data-testid=layer-flow-mixed4d]').textContent(), { timeout: 120_000 })
      .toBe('→ mixed5a (x 4, y 2) comes from here');
    const flow = page.locator('.layer-column[data-layer=mixed4d] svg.heatmap');
    expect(await flow.getAttribute('aria-label')).toBe('Where mixed5a (x 4, y 2) comes from in mixed4d');
    expect(await flow.getAttribute('data-has-heatmap')).toBe('true');
    // By keyboard: mixed4d's picture, one cell right and one down from its corner, Enter.
    await page.locator('[data-testid=layer-picture-mixed4d]').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('[data-testid=layer-flow-mixed3b]').textContent(), { timeout: 120_000 })
      .toBe('→ mixed4d (x 1, y 1) comes from here');
    expect(await page.locator('.layer-column[data-layer=mixed3b] svg.heatmap').getAttribute('data-has-heatmap')).toBe('true');

    // Choosing a channel opens it below the columns.
    await page.locator('[data-testid=layer-top-mixed3b] button').first().click();
    const chosen = await page.locator('[data-testid=layer-top-mixed3b] button').first().getAttribute('data-channel');
    expect(await page.locator('[data-testid=layers-channel] h3').textContent()).toBe(`mixed3b · channel ${chosen}`);
    expect(await page.locator('[data-testid=layer-top-mixed3b] button').first().getAttribute('aria-expanded')).toBe('true');

    expect(await axeViolations(page)).toEqual([]);
    await page.locator('.layers-view').screenshot({ path: join(ARTIFACTS, 'layers-view.png') });
    if (process.env.UPDATE_DOCS_SCREENSHOTS)
      await page.locator('.layers-view').screenshot({ path: join(process.cwd(), 'docs', 'layers-view.png') });
  });

  it('runs a 4-image job picked and uploaded in the form: the mean with its bars, in how many images each channel ranks, and the images where a channel mattered most; no axe violations', async () => {
    await page.goto(base + '/');
    await page.check('#severalImages');
    await page.click('[data-example="chelsea_cat"]');
    await page.click('[data-example="dog_cat_composite"]');
    // Two more uploaded in one batch with a file that is not an image: the bad one is named, the others join the set.
    const upload = mkdtempSync(join(tmpdir(), 'layers-e2e-upload-'));
    copyFileSync(join(IMAGES, 'fruits.jpg'), join(upload, 'my_fruits.jpg'));
    copyFileSync(join(IMAGES, 'coffee.png'), join(upload, 'my_coffee.png'));
    writeFileSync(join(upload, 'notes.png'), 'not an image');
    await page.setInputFiles(
      '[data-testid=upload-input]',
      ['my_fruits.jpg', 'notes.png', 'my_coffee.png'].map((f) => join(upload, f)),
    );
    await expect.poll(() => page.locator('[data-testid=picked-count]').textContent(), { timeout: 60_000 }).toContain('4 images picked');
    expect(await page.locator('[data-testid=error-image]').textContent()).toMatch(/2 images stored; 1 file was not: notes\.png/);
    rmSync(upload, { recursive: true, force: true });
    expect(await page.locator('.gallery [aria-pressed=true]').count()).toBe(4);

    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.selectOption('#layer', 'mixed4d');
    await page.uncheck('#untilSettled');
    await page.fill('#steps', '16');
    await page.locator('#steps').blur();
    await page.click('[data-testid=start]');
    await page.waitForURL(/\/jobs\//);
    const id = jobIdOf(page.url())!;
    const job = await gql(`{ job(id: "${id}") { input { imageIds layers steps } } }`);
    expect(job.job.input.imageIds).toHaveLength(4);
    expect(job.job.input.imageIds.slice(0, 2)).toEqual(['example-chelsea_cat', 'example-dog_cat_composite']);
    expect(job.job.input.layers).toEqual(['mixed4d']);

    await page.waitForFunction(() => document.querySelector('.layer-column')?.getAttribute('data-status') === 'DONE', null, {
      timeout: JOB_TIMEOUT_MS,
    });
    expect(await page.locator('.layers-view h2').textContent()).toBe('Every layer, mean over 4 images');
    const counts = await page.locator('[data-testid=layer-top-mixed4d] .layer-channel-count').allTextContents();
    expect(counts).toHaveLength(5);
    for (const c of counts) expect(c).toMatch(/^[0-4]\/4$/);
    const label = await page.locator('[data-testid=layer-top-mixed4d] button').first().getAttribute('aria-label');
    expect(label).toMatch(/plus or minus .*, in the top of [0-4] of 4 images/);

    // The job's own lists (the mean) say the same counts as the layers view's rows.
    const listCounts = await page.locator('[data-testid=channels-top] [data-testid=consistency-count]').allTextContents();
    expect(listCounts.slice(0, 5)).toEqual(counts);
    // A channel's gallery: the 4 images, ranked by the channel's value there, each under its map.
    const top = page.locator('[data-testid=layer-top-mixed4d] button').first();
    const channel = Number(await top.getAttribute('data-channel'));
    await top.click();
    await page.waitForSelector('[data-testid=layers-channel] [data-testid=channel-image] svg[data-has-heatmap=true]', { timeout: 60_000 });
    const shown = await page
      .locator('[data-testid=layers-channel] [data-testid=channel-image]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-index'))));
    // The oracle: the per-image vectors from the API, sorted by this channel.
    const per = await gql(`{ job(id: "${id}") { result { layers { perImage { imageIndex values } } } } }`);
    const expected = (per.job.result.layers[0].perImage as { imageIndex: number; values: number[] }[])
      .slice()
      .sort((a, b) => b.values[channel] - a.values[channel])
      .map((p) => p.imageIndex);
    expect(shown).toEqual(expected);
    // The job page's own channel detail (from the list of the mean) shows the gallery of the channel opened there.
    await page.click('[data-testid=channels-top] li:first-child button');
    await page.waitForSelector('[data-testid=channel-detail] [data-testid=channel-image] svg[data-has-heatmap=true]', { timeout: 60_000 });
    expect(await page.locator('[data-testid=channel-detail] [data-testid=channel-image]').count()).toBe(4);
    expect(await page.locator('[data-testid=channel-detail]').textContent()).toContain('Where it mattered most, of 4 images');
    await page.keyboard.press('Escape');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('.layers-view').screenshot({ path: join(ARTIFACTS, 'multi-image-job.png') });
    if (process.env.UPDATE_DOCS_SCREENSHOTS)
      await page.locator('.layers-view').screenshot({ path: join(process.cwd(), 'docs', 'multi-image-job.png') });
  });
});
