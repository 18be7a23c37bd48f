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
