import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root folder: the nearest folder above this module holding package.json.
 * Found by walking up rather than by a fixed `../..`, because the same code runs from
 * server/*.ts under tsx and from the bundles in dist/server/ (server/build-entry-points.mjs).
 */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** Whether this code runs from TypeScript sources (tsx, vitest) rather than a dist/ bundle. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
