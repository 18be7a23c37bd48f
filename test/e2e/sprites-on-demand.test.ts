import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Proc } from '../scale-out/helpers/processes.js';
import { stopProcess } from '../scale-out/helpers/processes.js';
import { gqlData } from '../server/helpers/graphql-client.js';
import { startServerProcess } from '../server/helpers/server-process.js';
import { ARTIFACTS, axeViolations, buildClient, CHROMIUM, fillClasses, jobIdOf } from './helpers/dashboard-page.js';

/** The job until settled (at most 256 steps) on a loaded 2-core machine: a bound, not a benchmark. */
const JOB_TIMEOUT_MS = 300_000;
/**
 * Twenty thumbnails (80 px, 128 steps, one batch) after the job, graph compile included: about a
 * minute and a half on a quiet 2-core machine, 13 min measured at load ~15. A bound, not a
 * benchmark (bench/sprites-on-demand.ts times it).
 */
const SPRITES_TIMEOUT_MS = 30 * 60_000;
const LISTED = 20;

let server: Proc & { url: string };
let dataDir = '';
let browser: Browser;
let page: Page;

/** Rows of both lists, each with its channel, whether its picture has loaded, and the row's accessible label. */
const rows = () =>
  page.$$eval('[data-testid=channels-top] li[data-channel], [data-testid=channels-bottom] li[data-channel]', (lis) =>
    lis.map((li) => {
      const img = li.querySelector('img.sprite') as HTMLImageElement | null;
      return {
        channel: Number(li.getAttribute('data-channel')),
        src: img?.getAttribute('src') ?? null,
        loaded: !!img && img.complete && img.naturalWidth > 0,
        naturalWidth: img?.naturalWidth ?? 0,
        pending: li.querySelector('[data-testid=sprite-pending]')?.textContent ?? null,
        label: li.querySelector('button')?.getAttribute('aria-label') ?? '',
      };
    }),
  );

describe('channel pictures on a fresh install, in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClient();
    // An empty DATA_DIR: no spritemap, no sprite, no compiled graph. Only what is asked for is
    // rendered (no background fill of the layer), so the machine is not kept busy after the test.
    dataDir = mkdtempSync(join(tmpdir(), 'sprites-e2e-'));
    server = await startServerProcess({ DATA_DIR: dataDir, SPRITES_BACKGROUND: '0' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'the dog/cat job at mixed4d: the rows say "rendering…" or "queued", then all 20 top and bottom channels show their sprite, live; no axe violations',
    { timeout: JOB_TIMEOUT_MS + SPRITES_TIMEOUT_MS + 120_000 },
    async () => {
      await page.goto(server.url.replace(/\/graphql$/, '/'));
      await page.click('[data-example="dog_cat_composite"]');
      await page.waitForSelector('[data-testid=predictions] tbody tr');
      await fillClasses(page, 'Labrador retriever', 'tiger cat');
      // The defaults a new user gets: mixed4d, path, until settled, top and bottom 10.
      expect(await page.inputValue('#layer')).toBe('mixed4d');
      await page.check('input[name=method][value=PATH]');
      await page.click('[data-testid=start]');
      await page.waitForURL((url) => jobIdOf(url.pathname) !== undefined);
      const jobId = jobIdOf(page.url())!;
      // A reload would start a new document: this mark would be gone.
      await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));

      await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
      // Nothing rendered yet: the rows say where their picture is, in words, also to a screen reader.
      await page.waitForSelector('[data-testid=sprite-pending]', { timeout: 60_000 });
      const waiting = (await rows()).filter((r) => r.pending !== null);
      expect(waiting.length).toBeGreaterThan(0);
      for (const r of waiting) {
        expect(r.pending).toMatch(/^(render\u00ad?ing…|queued)/);
        expect(r.label).toMatch(/, picture (rendering…|queued)/);
      }
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'sprites-rendering.png'), fullPage: true });

      await page.waitForFunction(
        (n) => {
          const imgs = [...document.querySelectorAll('[data-testid^=channels-] li[data-channel] img.sprite')] as HTMLImageElement[];
          return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
        },
        LISTED,
        { timeout: SPRITES_TIMEOUT_MS, polling: 1000 },
      );
      expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

      // Each row shows its own channel's thumbnail (80 px), the channels the API lists.
      const shown = await rows();
      const { job } = await gqlData(
        server.url,
        'query($id: ID!) { job(id: $id) { result { top(first: 10) { channel sprite { path profile } } bottom(first: 10) { channel sprite { path profile } } } } }',
        { id: jobId },
      );
      const listed = [...job.result.top, ...job.result.bottom];
      expect(shown.map((r) => r.channel)).toEqual(listed.map((c: { channel: number }) => c.channel));
      for (const [i, r] of shown.entries()) {
        expect(r.src).toBe(`/sprites/mixed4d/thumbnail/${r.channel}.png`);
        expect(r.src).toBe(listed[i].sprite.path);
        expect(r.naturalWidth).toBe(80);
        expect(r.pending).toBeNull();
        expect(r.label).not.toMatch(/picture/);
      }

      // The layer's progress: 20 of 528 channels have a picture, as an ARIA progressbar.
      const progress = page.locator('[data-testid=layer-sprites-progress]');
      expect(await progress.getAttribute('role')).toBe('progressbar');
      expect(await progress.getAttribute('aria-valuenow')).toBe(String(LISTED));
      expect(await progress.getAttribute('aria-valuemax')).toBe('528');
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'sprites-on-demand.png'), fullPage: true });
      // UPDATE_DOCS_SCREENSHOTS=1 redraws the picture in docs/spritemaps.md.
      if (process.env.UPDATE_DOCS_SCREENSHOTS)
        await page.locator('.lists').screenshot({ path: join(process.cwd(), 'docs', 'sprites-on-demand.png') });

      // The whole-layer control queues the other 508 channels at LAYER priority.
      await page.click('[data-testid=render-layer]');
      await page.waitForSelector('[data-testid=render-layer][disabled]', { timeout: 30_000 });
      const { layer } = await gqlData(server.url, '{ layer(name: "mixed4d") { sprites { rendered pending { channel priority } } } }', {});
      expect(layer.sprites.pending.length).toBe(528 - layer.sprites.rendered);
      expect(new Set(layer.sprites.pending.map((p: { priority: string }) => p.priority))).toEqual(new Set(['LAYER']));
    },
  );
});
