import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// What `npm ci` on a clean clone would warn about, read from the lockfile (no install, no network).
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const locked = Object.entries(lock.packages as Record<string, LockedPackage>).filter(([path]) => path !== '');

interface LockedPackage {
  version: string;
  engines?: { node?: string };
  optional?: boolean;
  hasInstallScript?: boolean;
}

const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('a clean install', () => {
  it('every locked package supports the oldest Node that package.json declares (no EBADENGINE)', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const unsupported = locked
      // Platform binaries for other systems are skipped by npm, engines and all.
      .filter(([, p]) => !p.optional && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([path, p]) => `${nameOf(path)}@${p.version} wants node ${p.engines!.node}`);
    expect(unsupported).toEqual([]);
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('every package with an install script is approved or denied in allowScripts (no allowScripts warning)', () => {
    const unreviewed = locked
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => nameOf(path))
      .filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean');
    expect(unreviewed).toEqual([]);
  });

  it('onnxruntime-node never downloads CUDA at install, and .npmrc holds only settings npm knows', () => {
    // Its install script only fetches the CUDA libraries from NuGet on Linux (CPU binaries ship in the package).
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    const keys = readFileSync('.npmrc', 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('=')[0]!.trim());
    expect(keys).toEqual(['save-exact']);
  });

  it('overrides keep every dependant inside its declared range', () => {
    // An override may only pick an older version the dependant accepts (here: one that runs on Node 20).
    const byPath = lock.packages as Record<string, LockedPackage & { dependencies?: Record<string, string> }>;
    const resolve = (from: string, name: string) => {
      for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
        const hit = byPath[`${dir ? `${dir}/` : ''}node_modules/${name}`];
        if (hit || !dir) return hit;
      }
    };
    const outside: string[] = [];
    for (const [path, p] of Object.entries(byPath)) {
      for (const [name, range] of Object.entries(p.dependencies ?? {})) {
        const target = resolve(path, name);
        if (target && semver.validRange(range) && !semver.satisfies(target.version, range))
          outside.push(`${nameOf(path) || '(root)'} wants ${name}@${range}, gets ${target.version}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
