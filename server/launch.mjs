// `node server/launch.mjs server/cli/attribute.ts [args...]`: runs an entry point from its
// JavaScript bundle in dist/, rebuilding the bundles first if a source changed since
// (build-entry-points.mjs). Plain Node loads a bundle in a fraction of the time tsx needs to
// resolve and transpile the same modules.
import { pathToFileURL } from 'node:url';
import { bundleOf, ensureBuilt, ENTRY_POINTS } from './build-entry-points.mjs';

const entry = process.argv[2];
if (!ENTRY_POINTS.includes(entry)) {
  console.error(`error: launch.mjs runs one of ${ENTRY_POINTS.join(', ')}; got "${entry ?? ''}".`);
  process.exit(1);
}
await ensureBuilt();
// The entry point parses its own arguments from argv[2] on.
process.argv.splice(2, 1);
await import(pathToFileURL(bundleOf(entry)).href);
