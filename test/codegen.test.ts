import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

describe('codegen.ts', () => {
  it('generated client documents are current with schema/schema.graphql (else: npm run codegen)', async () => {
    const outputs = await generate({ ...config, silent: true, cwd: process.cwd() }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const { filename, content } of outputs) {
      expect(readFileSync(join(process.cwd(), filename), 'utf8'), filename).toBe(content);
    }
  });
});
