import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnginePool } from '../../server/workers/pool.js';
import { startTestServer, type TestServer } from '../server/helpers/test-server.js';

/** Debian's chromium (`.ci/run` installs it); playwright's own browsers are never downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LOCAL = new Set(['127.0.0.1', 'localhost']);

let pool: EnginePool;
let srv: TestServer;
let browser: Browser;
let page: Page;
/** Requests the page tried to send off the machine (all refused, as behind a lab's firewall). */
const refused: string[] = [];
const pageErrors: string[] = [];

describe('GraphiQL at /graphql with no network', () => {
  beforeAll(async () => {
    pool = await EnginePool.start({ size: 1 });
    srv = await startTestServer(pool);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'http:' && LOCAL.has(url.hostname)) return route.continue();
      refused.push(url.href);
      return route.abort('internetdisconnected');
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    await pool?.close();
  });

  it('renders from installed assets, with the default query in the editor', async () => {
    await page.goto(srv.url);
    await page.waitForSelector('.graphiql-container', { timeout: 60_000 });
    // Monaco draws spaces as non-breaking ones.
    await expect
      .poll(async () => (await page.locator('.graphiql-query-editor').innerText()).replace(/\s+/g, ' '), { timeout: 60_000 })
      .toContain('query Model');
    expect(await page.title()).toBe('Channel attribution API');
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('the docs pane browses the schema: Query fields, then a type', async () => {
    await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByRole('link', { name: 'Query' }).first().click();
    await expect.poll(() => docs.innerText(), { timeout: 30_000 }).toMatch(/startAttribution|model/);
    await docs.getByRole('link', { name: 'model', exact: true }).first().click();
    await expect.poll(() => docs.innerText(), { timeout: 30_000 }).toContain('layers');
    expect(refused).toEqual([]);
  });

  /** The result pane's text without whitespace: the viewer wraps long lines, ids included. */
  const response = async () => (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, '');

  /** Runs one of the opening tab's operations: with several in the editor, the run button asks which. */
  async function run(operation: string) {
    await page.getByRole('button', { name: /Execute query/i }).click();
    await page.getByRole('menuitem', { name: operation, exact: true }).click();
  }

  it('runs the default query against the server', async () => {
    await run('Model');
    await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 120_000 }).toContain(pool.info.name);
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("the opening tab's job mutation and subscription run as they stand: a job starts, and its progress streams until done", async () => {
    await run('StartJob');
    let id = '';
    await expect
      .poll(
        async () => {
          id = /"id":"([0-9a-f-]{36})"/.exec(await response())?.[1] ?? '';
          return id;
        },
        { timeout: 60_000 },
      )
      .not.toBe('');
    // The tab's variables say where the id goes; put the job's there, as a user would.
    await page.getByRole('button', { name: 'Variables', exact: true }).click();
    const variables = page.locator('.graphiql-editor-tool .monaco-editor').first();
    await variables.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(JSON.stringify({ id }));
    await run('Progress');
    await expect.poll(response, { timeout: 180_000 }).toContain('"done":true');
    const final = await response();
    expect(final).toContain('"stepsDone":100');
    expect(final).toContain('"completenessGap"');
    expect((await srv.app.store.get(id))?.status).toBe('SUCCEEDED');
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
