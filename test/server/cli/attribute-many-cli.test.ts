import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGES, REPO_ROOT } from '../../helpers/fixtures.js';

const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const CLI = resolve(REPO_ROOT, 'server/cli/attribute.ts');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, CI: 'true', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

const json = async (args: string[]) => {
  const r = await cli([...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

const CLASSES = ['--class1', 'Pekinese', '--class2', 'tiger cat'];

describe('CLI --layers', () => {
  it('gives every layer the values of a run at that layer alone, bit for bit, and prints layers: [...]', async () => {
    const image = ['--image', join(IMAGES, '224', 'dog_cat_composite.png'), ...CLASSES, '--tolerance', '0.05', '--steps', '64'];
    const multi = await json([...image, '--layers', 'mixed5a,mixed3b']);
    expect(multi.layers.map((l: { layer: string }) => l.layer)).toEqual(['mixed3b', 'mixed5a']);
    for (const l of multi.layers) {
      const single = await json([...image, '--layer', l.layer]);
      expect(l.values).toEqual(single.values);
      expect(l.errors).toEqual(single.errors);
      expect(l.stepsDone).toBe(single.stepsDone);
      expect(l.settled).toBe(single.settled);
      expect(l.top).toEqual(single.top);
      expect(l.bottom).toEqual(single.bottom);
      expect(l.completenessGap).toBe(single.completenessGap);
    }
  });

  it('names an unknown layer before any work', async () => {
    const r = await cli(['--image', join(IMAGES, '224', 'fruits.png'), '--layers', 'mixed4d,mixed9z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown layer "mixed9z"/);
  });
});

describe('CLI --images', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'images-'));
    for (const name of ['chelsea_cat', 'dog_cat_composite', 'fruits'])
      copyFileSync(join(IMAGES, '224', `${name}.png`), join(dir, `${name}.png`));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the mean of the single-image runs, their vectors, errors combining spread and integration, and consistency counts', async () => {
    const settings = [...CLASSES, '--layer', 'mixed4d', '--method', 'path', '--steps', '12', '--top', '5'];
    const multi = await json(['--images', dir, ...settings]);
    const files = ['chelsea_cat', 'dog_cat_composite', 'fruits'].map((n) => join(dir, `${n}.png`));
    expect(multi.images).toEqual(files);
    const singles: any[] = [];
    for (const file of files) singles.push(await json(['--image', file, ...settings]));
    // The per-image vectors are the single runs' own.
    expect(multi.perImage.map((p: { file: string }) => p.file)).toEqual(files);
    multi.perImage.forEach((p: { values: number[]; errors: number[] }, i: number) => {
      expect(p.values).toEqual(singles[i].values);
      expect(p.errors).toEqual(singles[i].errors);
    });
    // The mean, and its error written out independently: sqrt(SEM^2 + sqrt(sum s_i^2)^2 / n^2).
    const n = files.length;
    const C = singles[0].values.length;
    for (let c = 0; c < C; c++) {
      const v = singles.map((s) => s.values[c] as number);
      const mean = (v[0] + v[1] + v[2]) / n;
      expect(multi.values[c]).toBeCloseTo(mean, 12);
      const sem = Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) / n);
      const integration = Math.sqrt(singles.reduce((a, s) => a + s.errors[c] ** 2, 0)) / n;
      expect(multi.errors[c]).toBeCloseTo(Math.sqrt(sem ** 2 + integration ** 2), 12);
      const inTop = singles.filter((s) => s.top.some((t: { channel: number }) => t.channel === c)).length;
      const inBottom = singles.filter((s) => s.bottom.some((t: { channel: number }) => t.channel === c)).length;
      expect([multi.consistency.top[c], multi.consistency.bottom[c]]).toEqual([inTop, inBottom]);
    }
  });

  it('lists bad images by name and runs nothing, unless --skip-bad-images', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'bad-images-'));
    try {
      copyFileSync(join(IMAGES, '224', 'fruits.png'), join(bad, 'fruits.png'));
      writeFileSync(join(bad, 'notes.png'), 'not an image');
      writeFileSync(join(bad, 'empty.jpg'), '');
      const settings = [...CLASSES, '--method', 'simple'];
      const refused = await cli(['--images', bad, join(bad, 'missing.png'), ...settings]);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/3 of 4 images cannot be attributed/);
      for (const name of ['notes.png', 'empty.jpg', 'missing.png']) expect(refused.stderr).toContain(name);
      const skipped = await json(['--images', bad, join(bad, 'missing.png'), '--skip-bad-images', ...settings]);
      expect(skipped.layers[0].stepsDone).toBe(1);
      expect(skipped.layers).toHaveLength(1);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('refuses a job past the budget, with the number', async () => {
    const r = await cli(['--images', dir, '--layers', 'all', ...CLASSES, '--steps', '100'], { MAX_JOB_STEPS: '2000' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/9 layers x 3 images x 100 steps = 2700 gradient steps, more than one job may run \(MAX_JOB_STEPS = 2000\)/);
  });
});
