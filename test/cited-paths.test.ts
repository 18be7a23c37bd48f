import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../server/repo-root.js';

// Comments and docs point readers at files (`bench/load.ts measures it`); a move that leaves such a
// pointer behind sends them nowhere.
describe('cited paths', () => {
  it('every file path a source file or doc cites exists', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|tsx|mjs|md|graphql)$/.test(f) && !f.startsWith('client/src/gql/') && existsSync(join(REPO_ROOT, f)));
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const [path] of text.matchAll(/\b(?:bench|test|server|docs|schema|client)\/[\w./-]+\.(?:ts|tsx|md|png|json|mjs|graphql)\b/g)) {
        if (!existsSync(join(REPO_ROOT, path))) missing.push(`${file}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
