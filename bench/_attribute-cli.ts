import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmLaunchEnv } from './_machine.js';

/** The repository root, where `npm run attribute` runs. */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
/** The notebook's example on the 224 px copy PROVENANCE.md verified. */
export const IMAGE_224 = resolve(ROOT, '../shared/images/224/dog_cat_composite.png');
/** The README's CLI example: the notebook's 100-step left-Riemann path at mixed4d, as JSON. */
export const CLI_ARGS = [
  '--image',
  IMAGE_224,
  '--layer',
  'mixed4d',
  '--class1',
  'Labrador retriever',
  '--class2',
  'tiger cat',
  '--method',
  'path',
  '--steps',
  '100',
  '--json',
];

/** What the CLI's `--json` reports about the wait, and the process's wall clock around it. */
export interface CliRun {
  wallMs: number;
  elapsedMs: number;
  compileMs: number;
  activationsMs: number;
  pathMs: number;
  startupMs: number;
  stepsDone: number;
  graphs: { compiled: number; fromCache: number };
  values: number[];
}

/** One CLI process, as `npm run attribute` starts it (the bundle through launch.mjs), or through npm itself. */
export function runCli(cacheDir: string, options: { viaNpm?: boolean; extraArgs?: string[]; env?: Record<string, string> } = {}): CliRun {
  const args = [...CLI_ARGS, ...(options.extraArgs ?? [])];
  const [cmd, argv] = options.viaNpm
    ? ['npm', ['run', '--silent', 'attribute', '--', ...args]]
    : [process.execPath, [join(ROOT, 'server/launch.mjs'), 'server/cli/attribute.ts', ...args]];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...npmLaunchEnv(), ...options.env, ENGINE_CACHE_DIR: cacheDir },
    maxBuffer: 1 << 24,
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`the CLI failed (exit ${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { wallMs, ...out };
}
