import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proc, stopProcess } from '../scale-out/helpers/processes.js';
import { startServerProcess } from '../server/helpers/server-process.js';
import { ARTIFACTS, buildClient, CHROMIUM, fillClasses, seriousAxeViolations } from './helpers/dashboard-page.js';

/** Three 16-step jobs (6 neuron groups each, the form's default) on a loaded 2-core machine: a bound, not a benchmark. */
const JOB_TIMEOUT_MS = 240_000;

let server: Proc & { url: string };
let base = '';
let dataDir = '';
let browser: Browser;
let page: Page;
let compareUrl = '';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const box = async (selector: string): Promise<Box> => (await page.locator(selector).first().boundingBox())!;

/** Per compare column: the top of its distribution, of each list, and of each row of both lists, in page pixels. */
const columnGeometry = () =>
  page.$$eval('.compare-column', (columns) =>
    columns.map((col) => {
      const top = (el: Element | null) => (el ? el.getBoundingClientRect().top + window.scrollY : Number.NaN);
      const rows = (which: string) =>
        [...col.querySelectorAll(`[data-testid=channels-${which}] li[data-channel] > .channel-row`)].map((r) => ({
          top: top(r),
          height: r.getBoundingClientRect().height,
        }));
      return {
        method: col.getAttribute('data-method'),
        distribution: top(col.querySelector('[data-testid=distribution]')),
        topList: top(col.querySelector('[data-testid=channels-top]')),
        bottomList: top(col.querySelector('[data-testid=channels-bottom]')),
        topRows: rows('top'),
        bottomRows: rows('bottom'),
        starred: col.querySelectorAll('li.agreed').length,
        text: col.textContent ?? '',
        exactNotes: col.querySelectorAll('[data-testid=exact-note]').length,
        errorBars: col.querySelectorAll('[data-testid=error-bar]').length,
        topErrors: [...col.querySelectorAll('[data-testid=channels-top] [data-testid=error-bar]')].map((e) => e.textContent ?? ''),
        bottomErrors: [...col.querySelectorAll('[data-testid=channels-bottom] [data-testid=error-bar]')].map((e) => e.textContent ?? ''),
      };
    }),
  );

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);

describe('dashboard layout in Chromium at 1280 px', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClient();
    dataDir = mkdtempSync(join(tmpdir(), 'layout-e2e-'));
    // No background fill of the layer's pictures: this file checks layout, not sprites.
    server = await startServerProcess({ DATA_DIR: dataDir, SPRITES_BACKGROUND: '0' });
    base = server.url.replace(/\/graphql$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the new-job page, with the steps note: no serious axe violation, experimental rules included', async () => {
    await page.goto(base + '/');
    await page.click('[data-example="dog_cat_composite"]');
    await page.waitForSelector('[data-testid=predictions] tbody tr');
    // The default form (256 steps, the squared rule, until settled) says why 192 steps will run.
    expect(await page.textContent('[data-testid=steps-note]')).toMatch(
      /at most 192 steps: the squared rule's nested levels are 3 × 2\^k steps/,
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('compare: rows, starred or not, and both lists start at the same height in all three columns; the linear column says "exact" once', async () => {
    await fillClasses(page, 'Labrador retriever', 'tiger cat');
    await page.uncheck('#untilSettled');
    await page.fill('#steps', '16');
    await page.locator('#steps').dispatchEvent('change');
    await page.click('[data-testid=compare]');
    await page.waitForURL((url) => url.pathname.startsWith('/compare/'));
    compareUrl = page.url();
    await page.waitForFunction(
      () => document.querySelectorAll('.compare-column [data-testid=job-status][data-status=SUCCEEDED]').length === 3,
      undefined,
      {
        timeout: JOB_TIMEOUT_MS,
      },
    );
    await page.waitForFunction(() => document.querySelectorAll('.compare-column [data-testid=channels-bottom] li').length === 30);

    const columns = await columnGeometry();
    expect(columns.map((c) => c.method)).toEqual(['Linear', 'Path', 'Stochastic path']);
    // The case that broke the alignment: starred rows (channels every method ranks high) next to plain ones.
    expect(columns.some((c) => c.starred > 0)).toBe(true);
    for (const key of ['distribution', 'topList', 'bottomList'] as const)
      expect(spread(columns.map((c) => c[key])), key).toBeLessThanOrEqual(1);
    for (const which of ['topRows', 'bottomRows'] as const)
      for (let i = 0; i < 10; i++) expect(spread(columns.map((c) => c[which][i].top)), `${which}[${i}]`).toBeLessThanOrEqual(1);
    // And every row is one height: no error bar wrapped to a third line.
    expect(spread(columns.flatMap((c) => [...c.topRows, ...c.bottomRows].map((r) => r.height)))).toBeLessThanOrEqual(1);

    const [linear, path, stochastic] = columns;
    expect(linear.exactNotes).toBe(1);
    expect(linear.errorBars).toBe(0);
    expect(linear.text).not.toMatch(/±\s*0(?![.\d])/);
    expect([path.exactNotes, path.errorBars, stochastic.errorBars]).toEqual([0, 20, 20]);
    // One number format per list: the same decimals on every row, never an exponent.
    for (const c of [path, stochastic])
      for (const errors of [c.topErrors, c.bottomErrors]) {
        expect(
          errors.filter((e) => /e-/.test(e)),
          c.method!,
        ).toEqual([]);
        expect(new Set(errors.map((e) => /\.(\d+)/.exec(e)?.[1].length ?? 0)).size, errors.join(' ')).toBe(1);
      }

    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'compare-1280.png'), fullPage: true });
  });

  it('compare: the channel detail opens under the row clicked, in its column; the other columns keep their rows', async () => {
    const row = '.compare-column[data-method="Stochastic path"] [data-testid=channels-top] li:nth-child(4)';
    await page.click(`${row} > button`);
    const detail = page.locator('[data-testid=channel-detail]');
    await detail.waitFor();
    expect(await page.locator('[data-testid=channel-detail]').count()).toBe(1);
    const rowBox = await box(`${row} > button`);
    const detailBox = await box('[data-testid=channel-detail]');
    const column = await box('.compare-column[data-method="Stochastic path"]');
    expect(detailBox.y).toBeGreaterThanOrEqual(rowBox.y + rowBox.height - 1);
    expect(detailBox.y).toBeLessThan(rowBox.y + rowBox.height + 24);
    expect(detailBox.x).toBeGreaterThanOrEqual(column.x - 1);
    expect(detailBox.x + detailBox.width).toBeLessThanOrEqual(column.x + column.width + 1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
  });

  it('job page (with its neuron groups): the channel detail opens beside the row clicked, top or bottom list, and moves with the next click', async () => {
    await page.click('.compare-column[data-method="Path"] h2 a');
    await page.waitForURL((url) => url.pathname.startsWith('/jobs/'));
    await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=channels-bottom] li').length === 10);
    await page.waitForSelector('[data-testid=groups] li[data-group]');

    for (const [list, n] of [
      ['top', 6],
      ['bottom', 3],
    ] as const) {
      const row = `[data-testid=channels-${list}] li:nth-child(${n})`;
      await page.click(`${row} > button`);
      const detail = page.locator(`${row} [data-testid=channel-detail]`);
      await detail.waitFor();
      expect(await page.locator('[data-testid=channel-detail]').count()).toBe(1);
      const rowBox = await box(`${row} > button`);
      const detailBox = await box('[data-testid=channel-detail]');
      const listBox = await box(`[data-testid=channels-${list}]`);
      // Right under the row, within its list's column, and the row after it below the panel.
      expect(detailBox.y).toBeGreaterThanOrEqual(rowBox.y + rowBox.height - 1);
      expect(detailBox.y).toBeLessThan(rowBox.y + rowBox.height + 24);
      expect(detailBox.x).toBeGreaterThanOrEqual(listBox.x - 1);
      expect(detailBox.x + detailBox.width).toBeLessThanOrEqual(listBox.x + listBox.width + 1);
      const next = await box(`[data-testid=channels-${list}] li:nth-child(${n + 1}) > button`);
      expect(next.y).toBeGreaterThanOrEqual(detailBox.y + detailBox.height - 1);
      // The panel's own parts are labelled: the crops' activations and the value chart's axes.
      await page.waitForSelector('[data-testid=channel-detail] .dataset-examples li', { timeout: 120_000 });
      expect(await page.textContent('[data-testid=channel-detail] .dataset-examples li')).toMatch(/activation\s+[\d.]+/);
      expect(await page.$$eval('[data-testid=value-over-run] .axis-label', (ts) => ts.map((t) => t.textContent))).toEqual([
        'steps done',
        'value',
      ]);
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'detail-beside-row.png'), fullPage: true });
    await page.keyboard.press('Escape');
  });

  it('the history page: no serious axe violation', async () => {
    await page.goto(base + '/history');
    await page.waitForSelector('[data-testid=history] tr[data-job-id]');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // The comparison is linked from its jobs' rows.
    expect(await page.getAttribute('[data-testid=history] a.compare-link', 'href')).toBe(new URL(compareUrl).pathname);
  });
});
