// Compiles the server's entry points to JavaScript bundles in dist/ (esbuild), so `npm start`,
// `npm run attribute` and the engine worker start without transpiling TypeScript at run time.
// `node server/build-entry-points.mjs` builds (npm's `prepare` runs it on install); launch.mjs
// calls ensureBuilt() and rebuilds only when a source file the bundles were made from changed.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const INFO = join(DIST, 'build-info.json');

/** Processes a user starts, and the worker threads the engine pool starts. */
export const ENTRY_POINTS = [
  'server/main.ts',
  'server/worker-main.ts',
  'server/cli/attribute.ts',
  'server/cli/spritemaps.ts',
  'server/cli/model-fetch.ts',
  'server/workers/engine-worker.ts',
  'server/workers/inspect-worker.ts',
];

/** The bundle built from a source entry point, e.g. server/cli/attribute.ts -> dist/server/cli/attribute.js. */
export const bundleOf = (entry) => join(DIST, entry.replace(/\.ts$/, '.js'));

const stamp = (path) => {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
};

/** Whether dist/ holds bundles of every entry point made from the source files as they are now. */
export function isFresh() {
  let info;
  try {
    info = JSON.parse(readFileSync(INFO, 'utf8'));
  } catch {
    return false;
  }
  if (ENTRY_POINTS.some((e) => !info.entryPoints?.includes(e))) return false;
  try {
    return Object.entries(info.inputs).every(([file, s]) => stamp(join(ROOT, file)) === s);
  } catch {
    return false;
  }
}

/** Builds every bundle; each file is written under a temporary name and renamed, so a concurrent start never reads half a file. */
export async function build() {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir: DIST,
    outbase: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies load from node_modules as they are (native addons, wasm files beside them).
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const tag = `${process.pid}.${Date.now()}`;
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(`${f.path}.${tag}.tmp`, f.contents);
    renameSync(`${f.path}.${tag}.tmp`, f.path);
  }
  const inputs = {};
  for (const file of [...Object.keys(result.metafile.inputs), relative(ROOT, fileURLToPath(import.meta.url))])
    inputs[file] = stamp(join(ROOT, file));
  writeFileSync(`${INFO}.${tag}.tmp`, JSON.stringify({ entryPoints: ENTRY_POINTS, inputs }, null, 1));
  renameSync(`${INFO}.${tag}.tmp`, INFO);
}

export async function ensureBuilt() {
  if (!isFresh()) await build();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  await build();
  console.log(
    `built ${ENTRY_POINTS.length} entry points into ${relative(process.cwd(), DIST) || DIST}/ in ${Math.round(performance.now() - t0)} ms`,
  );
}
