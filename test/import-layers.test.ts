import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './server/helpers/test-server.js';

/**
 * The architecture as a rule (docs/architecture.md): each group may import only from groups
 * on a lower layer, and no chain of imports comes back to where it started. A group is the first
 * entry that matches a file's path.
 */
const LAYERS: string[][] = [
  ['server/errors/', 'server/repo-root.ts', 'server/promise-cache.ts', 'server/write-atomic.ts', 'server/shutdown-on-signals.ts'],
  ['server/engine/'],
  ['server/workers/', 'server/scheduling/', 'server/images/', 'server/events/', 'server/model-fetch/'],
  ['server/jobs/', 'server/spritemaps/', 'server/building-blocks/', 'server/models/'],
  ['schema/'],
  ['server/http-routes.ts'],
  ['server/yoga.ts'],
  ['server/settings.ts'],
  ['server/main.ts', 'server/worker-main.ts', 'server/cli/'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const group = (file: string) => LAYERS.flat().find((g) => (g.endsWith('/') ? file.startsWith(g) : file === g));
const layerOf = (g: string) => LAYERS.findIndex((l) => l.includes(g));

/** Relative imports of a file (static, dynamic, type-only and re-exports), as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = [...sourceFiles('server'), ...sourceFiles('schema')];
const graph = new Map(files.map((f) => [f, importsOf(f).filter((i) => files.includes(i) || files.includes(i.replace(/\.ts$/, '.tsx')))]));

describe('import layers', () => {
  it('every source file belongs to a layer', () => {
    expect(files.filter((f) => !group(f))).toEqual([]);
  });

  it('no import runs from a lower layer to a higher one, or sideways between groups', () => {
    const bad: string[] = [];
    for (const [file, deps] of graph) {
      const from = group(file)!;
      for (const dep of deps) {
        const to = group(dep)!;
        if (to !== from && layerOf(to) >= layerOf(from)) bad.push(`${file} -> ${dep}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("the engine's folders import each other one way only (no folder cycle, e.g. attribution/ <-> building-blocks/)", () => {
    // Files of server/engine/<folder>/ by folder; the engine's root files are their own group.
    const folder = (f: string) => /^server\/engine\/([^/]+)\//.exec(f)?.[1] ?? null;
    const edges = new Map<string, Set<string>>();
    for (const [file, deps] of graph) {
      const from = folder(file);
      if (!from) continue;
      for (const dep of deps) {
        const to = folder(dep);
        if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const cycles: string[] = [];
    const reaches = (a: string, b: string, seen = new Set<string>()): boolean =>
      [...(edges.get(a) ?? [])].some((n) => n === b || (!seen.has(n) && (seen.add(n), reaches(n, b, seen))));
    for (const [from, tos] of edges) for (const to of tos) if (reaches(to, from)) cycles.push(`${from} -> ${to}`);
    expect(cycles).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' -> '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
