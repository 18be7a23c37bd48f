import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ARGS, runCli, type CliRun } from './_attribute-cli.js';
import { cpuFlags, npmLaunchEnv } from './_machine.js';

/**
 * What fresh memory costs on this machine, and what the npm scripts' malloc setting
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1: malloc asks for transparent huge pages) saves a user:
 * - a process touching 400 MB of fresh memory, one byte per 4 KB page: time, page faults, time per fault;
 * - the README's CLI run (100-step path at mixed4d, optimized graphs cached), a fresh process each
 *   time: `elapsedMs`, `pathMs`, `startupMs` and its page faults (by /usr/bin/time where present).
 * The two settings alternate round by round. `npx tsx bench/page-faults.ts [--rounds 3]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const tunables = npmLaunchEnv().GLIBC_TUNABLES;
const settings: { name: string; env: Record<string, string> }[] = [
  { name: "glibc's defaults", env: { GLIBC_TUNABLES: '' } },
  { name: `GLIBC_TUNABLES=${tunables}`, env: { GLIBC_TUNABLES: tunables } },
];

const TOUCH = `
const t0 = performance.now(), f0 = process.resourceUsage().minorPageFault;
const a = new Uint8Array(400 * 1024 * 1024);
for (let i = 0; i < a.length; i += 4096) a[i] = 1;
const ms = performance.now() - t0, faults = process.resourceUsage().minorPageFault - f0;
console.log(JSON.stringify({ ms, faults }));`;

function touch(env: Record<string, string>): { ms: number; faults: number } {
  const r = spawnSync(process.execPath, ['-e', TOUCH], { encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(r.stdout);
}

/** The CLI's faults over its whole process, from /usr/bin/time (GNU time's %R); NaN without it. */
function cliFaults(cacheDir: string, env: Record<string, string>): number {
  if (!existsSync('/usr/bin/time')) return NaN;
  const r = spawnSync('/usr/bin/time', ['-f', 'faults %R', process.execPath, 'server/launch.mjs', 'server/cli/attribute.ts', ...CLI_ARGS], {
    encoding: 'utf8',
    env: { ...process.env, ...env, ENGINE_CACHE_DIR: cacheDir },
  });
  return Number(/faults (\d+)/.exec(r.stderr)?.[1]);
}

const cacheDir = mkdtempSync(join(tmpdir(), 'page-faults-cache-'));
try {
  console.log(
    `CPU flags: ${cpuFlags()}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  runCli(cacheDir); // Fills the graph cache.
  const rows = settings.map(() => ({ touch: [] as { ms: number; faults: number }[], cli: [] as CliRun[], faults: [] as number[] }));
  for (let r = 0; r < rounds; r++) {
    settings.forEach((s, i) => {
      rows[i].touch.push(touch(s.env));
      rows[i].cli.push(runCli(cacheDir, { env: s.env }));
      rows[i].faults.push(cliFaults(cacheDir, s.env));
    });
  }
  console.log(
    `\n${rounds} alternated rounds; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.table(
    settings.map((s, i) => {
      const t = rows[i].touch;
      const c = rows[i].cli;
      return {
        malloc: s.name,
        '400 MB touched, ms': Math.round(median(t.map((x) => x.ms))),
        faults: median(t.map((x) => x.faults)),
        'us per fault': Number(median(t.map((x) => (1000 * x.ms) / x.faults)).toFixed(1)),
        'CLI elapsedMs': Math.round(median(c.map((x) => x.elapsedMs))),
        'CLI pathMs': Math.round(median(c.map((x) => x.pathMs))),
        'CLI startupMs': Math.round(median(c.map((x) => x.startupMs))),
        'CLI wall ms': Math.round(median(c.map((x) => x.wallMs))),
        'CLI page faults': median(rows[i].faults),
      };
    }),
  );
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
