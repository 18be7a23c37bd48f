import { readFileSync } from 'node:fs';

/** The CPU's AVX-512 flags (or, without them, AVX2/FMA), as every bench table prints them. */
export function cpuFlags(): string {
  let flags: string[];
  try {
    flags =
      readFileSync('/proc/cpuinfo', 'utf8')
        .match(/^flags\s*:(.*)$/m)?.[1]
        .trim()
        .split(/\s+/) ?? [];
  } catch {
    return 'unknown (no /proc/cpuinfo)';
  }
  const avx512 = [...new Set(flags.filter((f) => f.startsWith('avx512')))].sort();
  if (avx512.length) return avx512.join(' ');
  const avx = flags.filter((f) => f === 'avx2' || f === 'fma' || f === 'avx');
  return avx.length ? `${avx.join(' ')} (no AVX-512)` : 'no AVX flags';
}

/**
 * The environment `npm run attribute` sets before Node starts (package.json): glibc's malloc
 * tunables, which must be in place when the process starts. Benches start their CLI and server
 * processes with it, so they measure what the npm scripts run.
 */
export function npmLaunchEnv(): Record<string, string> {
  const root = new URL('../package.json', import.meta.url);
  const script: string = JSON.parse(readFileSync(root, 'utf8')).scripts.attribute;
  const env: Record<string, string> = {};
  for (const [, name, value] of script.matchAll(/(?:^|\s)([A-Z_]+)=(\S+)(?=\s)/g)) env[name] = value;
  return env;
}

/** Which malloc settings this process started with, for the line above a table. */
export function mallocLine(): string {
  return `malloc: ${process.env.GLIBC_TUNABLES ? `GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}` : "glibc's defaults (no GLIBC_TUNABLES)"}`;
}
