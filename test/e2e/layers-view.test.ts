import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeViolations, buildClient, CHROMIUM } from './helpers/dashboard-page.js';

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

async function start(input: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }',
      variables: { input },
    }),
  });
  const body = (await res.json()) as { data: { startAttribution: { id: string } }; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.startAttribution.id;
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

  it('draws one column per layer, input to output, refining live; pointing at a channel lays its map over the image; no axe violations', async () => {
    const layers = ['mixed3b', 'mixed4d', 'mixed5a'];
    const id = await start({
      imageId: 'example-dog_cat_composite',
      layers: [...layers].reverse(),
      class1: 'Labrador retriever',
      class2: 'tiger cat',
      method: 'PATH',
      tolerance: 0.02,
      steps: 128,
    });
    await page.addInitScript(recordColumns);
    await page.goto(`${base}/jobs/${id}`);
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

    expect(await axeViolations(page)).toEqual([]);
    await page.locator('.layers-view').screenshot({ path: join(ARTIFACTS, 'layers-view.png') });
  });

  it('shows a 4-image job: the mean with its bars and in how many images each channel ranks; no axe violations', async () => {
    const images = ['chelsea_cat', 'dog_cat_composite', 'fruits', 'coffee'].map((n) => `example-${n}`);
    const id = await start({
      imageIds: images,
      layer: 'mixed4d',
      class1: 'Labrador retriever',
      class2: 'tiger cat',
      method: 'PATH',
      steps: 16,
    });
    await page.goto(`${base}/jobs/${id}`);
    await page.waitForFunction(() => document.querySelector('.layer-column')?.getAttribute('data-status') === 'DONE', null, {
      timeout: JOB_TIMEOUT_MS,
    });
    expect(await page.locator('.layers-view h2').textContent()).toBe('Every layer, mean over 4 images');
    const counts = await page.locator('[data-testid=layer-top-mixed4d] .layer-channel-count').allTextContents();
    expect(counts).toHaveLength(5);
    for (const c of counts) expect(c).toMatch(/^[0-4]\/4$/);
    const label = await page.locator('[data-testid=layer-top-mixed4d] button').first().getAttribute('aria-label');
    expect(label).toMatch(/plus or minus .*, in the top of [0-4] of 4 images/);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('.layers-view').screenshot({ path: join(ARTIFACTS, 'multi-image-job.png') });
  });
});
