import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcess, type Proc } from '../scale-out/helpers/processes.js';
import { gqlData } from '../server/helpers/graphql-client.js';
import { startServerProcess } from '../server/helpers/server-process.js';
import { REPO_ROOT } from '../server/helpers/test-server.js';
import { ARTIFACTS, axeViolations, buildClient, CHROMIUM, fillClasses, jobIdOf } from './helpers/dashboard-page.js';

/**
 * A new user's own network in the dashboard: the shared GoogLeNet export (PyTorch's exporter,
 * ../shared/models/googlenet-bvlc-onnx) imported through the page, picked, a job run on it at
 * mixed4d, and the rows and their pictures arriving live. Bounds, not benchmarks: the machine is
 * a loaded 2-core box.
 */
const EXPORT = join(REPO_ROOT, '..', 'shared', 'models', 'googlenet-bvlc-onnx');
const IMPORT_TIMEOUT_MS = 180_000;
const JOB_TIMEOUT_MS = 300_000;
/** Six thumbnails (top and bottom 3) after the job, the input-gradient graph compiled first. */
const SPRITES_TIMEOUT_MS = 20 * 60_000;
const SHOWN = 3;

let server: Proc & { url: string };
let dataDir = '';
let scratch = '';
let browser: Browser;
let page: Page;

describe('importing a model through the dashboard, in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildClient();
    dataDir = mkdtempSync(join(tmpdir(), 'import-e2e-'));
    scratch = mkdtempSync(join(tmpdir(), 'import-e2e-files-'));
    server = await startServerProcess({ DATA_DIR: dataDir, SPRITES_BACKGROUND: '0' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopProcess(server);
    for (const d of [dataDir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it(
    'refuses a bad file in place, imports the folder, runs a job on it at mixed4d, and shows the rows and their sprites; no axe violations',
    { timeout: IMPORT_TIMEOUT_MS + JOB_TIMEOUT_MS + SPRITES_TIMEOUT_MS + 120_000 },
    async () => {
      await page.goto(server.url.replace(/\/graphql$/, '/'));
      await page.waitForSelector('[data-testid=model-select] option[value=googlenet-bvlc]', { state: 'attached' });
      await page.click('.import-model summary');

      // Not a model: the server's check, in its words, beside the control; nothing is listed.
      const junk = join(scratch, 'junk.onnx');
      writeFileSync(junk, 'this is not an ONNX model');
      await page.setInputFiles('#model-files', junk);
      await page.click('[data-testid=import-model]');
      const error = page.locator('[data-testid=error-import]');
      await error.waitFor({ timeout: IMPORT_TIMEOUT_MS });
      expect(await error.textContent()).toMatch(/ONNX|protobuf/i);
      expect(await error.getAttribute('role')).toBe('alert');
      expect(await page.$$eval('[data-testid=model-select] option', (o) => o.length)).toBe(1);

      // The exported folder's files, as a user picks them; the import selects the new model.
      await page.setInputFiles(
        '#model-files',
        ['model.onnx', 'config.json', 'preprocessor_config.json'].map((f) => join(EXPORT, f)),
      );
      await page.fill('#model-id', 'googlenet-onnx');
      await page.click('[data-testid=import-model]');
      await page.waitForFunction(() => (document.querySelector('#model') as HTMLSelectElement | null)?.value === 'googlenet-onnx', null, {
        timeout: IMPORT_TIMEOUT_MS,
      });
      expect(await page.locator('[data-testid=error-import]').count()).toBe(0);
      expect(await page.textContent('#model option[value=googlenet-onnx]')).toMatch(/googlenet-onnx \(\d+ layers, 1000 classes\)/);

      // Its layers, its predictions (PROVENANCE.md: Pekinese first on the 224 copy, as the built-in model).
      await page.click('[data-example="dog_cat_composite"]');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=predictions] tbody tr .class-name')?.textContent === 'Pekinese',
        null,
        {
          timeout: 120_000,
        },
      );
      await page.waitForFunction(() =>
        [...(document.querySelector('#layer') as HTMLSelectElement).options].some((o) => o.value === 'mixed4d'),
      );
      await page.selectOption('#layer', 'mixed4d');
      await fillClasses(page, 'Labrador retriever', 'tiger cat');
      await page.fill('#topK', String(SHOWN));
      await page.dispatchEvent('#topK', 'change');
      expect(await axeViolations(page)).toEqual([]);
      await page.click('[data-testid=start]');
      await page.waitForURL((url) => jobIdOf(url.pathname) !== undefined);
      const jobId = jobIdOf(page.url())!;
      await page.waitForSelector('[data-testid=job-status][data-status=SUCCEEDED]', { timeout: JOB_TIMEOUT_MS });
      const { job } = await gqlData(
        server.url,
        'query ($id: ID!) { job(id: $id) { input { model layer } model { id } result { top(first: 3) { channel } bottom(first: 3) { channel } } } }',
        { id: jobId },
      );
      expect(job.input).toEqual({ model: 'googlenet-onnx', layer: 'mixed4d' });
      const listed = [...job.result.top, ...job.result.bottom].map((c: { channel: number }) => c.channel);
      const rows = () =>
        page.$$eval('[data-testid^=channels-] li[data-channel]', (lis) => lis.map((li) => Number(li.getAttribute('data-channel'))));
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid^=channels-] li[data-channel]').length === n, 2 * SHOWN);
      expect(await rows()).toEqual(listed);

      // The rows' pictures: the imported model's own sprites, rendered on demand and arriving live.
      await page.waitForFunction(
        (n) => {
          const imgs = [...document.querySelectorAll('[data-testid^=channels-] li[data-channel] img.sprite')] as HTMLImageElement[];
          return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
        },
        2 * SHOWN,
        { timeout: SPRITES_TIMEOUT_MS, polling: 1000 },
      );
      const srcs = await page.$$eval('[data-testid^=channels-] li[data-channel] img.sprite', (imgs) =>
        imgs.map((i) => i.getAttribute('src')),
      );
      expect(srcs).toEqual(listed.map((c) => `/models/googlenet-onnx/sprites/mixed4d/thumbnail/${c}.png`));
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, 'imported-model-job.png'), fullPage: true });
      // UPDATE_DOCS_SCREENSHOTS=1 redraws the picture in docs/models.md.
      if (process.env.UPDATE_DOCS_SCREENSHOTS)
        await page.screenshot({ path: join(process.cwd(), 'docs', 'imported-model.png'), clip: { x: 0, y: 0, width: 1280, height: 1000 } });
    },
  );
});
