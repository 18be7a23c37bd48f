import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';

/** Debian's chromium (`.ci/run` installs it); playwright's own browsers are never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');

/** Test the code as it is now: builds client/dist, which the server serves at /. */
export const buildClient = () => build({ configFile: join(process.cwd(), 'client/vite.config.ts'), logLevel: 'warn' });

/** axe-core over the whole page, WCAG 2.1 A and AA rules: one line per violation. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: join(process.cwd(), 'node_modules/axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Types a class pair and closes the autocomplete. */
export async function fillClasses(page: Page, class1: string, class2: string) {
  await page.fill('#class1', class1);
  await page.fill('#class2', class2);
  await page.keyboard.press('Escape');
}

export const jobIdOf = (url: string) => /\/jobs\/([^/?#]+)/.exec(url)?.[1];

/**
 * Serious and critical violations of every axe-core rule, the experimental ones included (such as
 * label-content-name-mismatch, WCAG 2.5.3 label in name): one line per violation.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: join(process.cwd(), 'node_modules/axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice', 'experimental'];
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}
