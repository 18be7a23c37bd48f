import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root.js';
import { settingsTables } from '../settings.js';

/**
 * `npm run docs:settings`: rewrites the tables of docs/configuration.md from SETTINGS in
 * server/settings.ts, between its `<!-- settings -->` markers (test/server/settings.test.ts
 * fails when they differ).
 */
export const CONFIGURATION_DOC = join(REPO_ROOT, 'docs', 'configuration.md');
const BLOCK = /(<!-- settings -->\n)[\s\S]*?(<!-- \/settings -->)/;

export function withSettingsTables(doc: string): string {
  if (!BLOCK.test(doc)) throw new Error('docs/configuration.md has no <!-- settings --> ... <!-- /settings --> block.');
  return doc.replace(BLOCK, (_m, open: string, close: string) => `${open}${settingsTables()}\n${close}`);
}

if (process.argv[1]?.endsWith('settings-table.ts')) {
  writeFileSync(CONFIGURATION_DOC, withSettingsTables(readFileSync(CONFIGURATION_DOC, 'utf8')));
  console.log(`wrote ${CONFIGURATION_DOC}`);
}
