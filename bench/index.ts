import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmLaunchEnv } from './_machine.js';

/**
 * `npm run bench [-- name...]`: runs each benchmark file (one question per file) in its own
 * process, so peak RSS and timings are not polluted by the previous one, with the environment
 * the npm scripts start the product with (malloc tunables: bench/_machine.ts).
 */
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== bench/${f} ===\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], {
    stdio: 'inherit',
    env: { ...process.env, ...npmLaunchEnv() },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
