import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { attributeOnce, validateInput } from '../../../server/engine/attribution/index.js';
import { decodeImage } from '../../../server/engine/images.js';
import { Labels } from '../../../server/engine/labels.js';
import { IMAGES, REPO_ROOT, relativeL2, sharedNetwork, wasmExecutor } from '../../helpers/fixtures.js';
import { layerToLayerAttribution, validateLayerToLayer } from '../../../server/engine/building-blocks/layer-to-layer-attribution.js';
import { readFileSync } from 'node:fs';

const run = promisify(execFile);
const TSX = resolve(REPO_ROOT, 'node_modules/.bin/tsx');
const CLI = resolve(REPO_ROOT, 'server/cli/attribute.ts');

/** Runs the CLI from its TypeScript source (tsx), or with `bundle` as `npm run attribute` does: from dist/ through server/launch.mjs. */
async function cli(args: string[], options: { bundle?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const [cmd, argv] = options.bundle
    ? [process.execPath, [resolve(REPO_ROOT, 'server/launch.mjs'), 'server/cli/attribute.ts', ...args]]
    : [TSX, [CLI, ...args]];
  try {
    const { stdout, stderr } = await run(cmd, argv, { cwd: REPO_ROOT, env: { ...process.env, CI: 'true', ...options.env } });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

const JSON_KEYS = ['layer', 'method', 'steps', 'values', 'score', 'baselineScore', 'completenessGap', 'elapsedMs', 'backend'];

describe('CLI --help', () => {
  it('prints the defaults of method, steps and rule as the options spell them', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--method <method> simple | path | stochastic-path (default: path)');
    expect(help).toContain('--steps <n> path steps N, 1..2000; ignored by simple (default: 100)');
    expect(help).toMatch(/--rule <rule> left-riemann \| trapezoid \| midpoint \| gauss-legendre[^(]*\(default: left-riemann/);
    expect(help).not.toMatch(/"PATH"|LEFT_RIEMANN/);
  });
});

describe('CLI: the seed notebook examples end to end with --json', () => {
  // channel_attr_simple(img, "mixed4d", ...) for the notebook's three images (mapped in images/PROVENANCE.md).
  const simple: [string, string, string][] = [
    ['dog_cat_composite.png', 'Labrador retriever', 'tiger cat'],
    ['fruits.jpg', 'vase', 'lemon'],
    ['grace_hopper.jpg', 'bow tie', 'sunglasses'],
  ];
  for (const [image, c1, c2] of simple) {
    it(`SIMPLE ${image}: ${c1} vs ${c2}`, async () => {
      const r = await cli([
        '--image',
        join(IMAGES, image),
        '--layer',
        'mixed4d',
        '--class1',
        c1,
        '--class2',
        c2,
        '--method',
        'simple',
        '--json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      for (const k of JSON_KEYS) expect(out).toHaveProperty(k);
      expect(out).toMatchObject({ layer: 'mixed4d', method: 'SIMPLE', steps: 1 });
      expect(out.values).toHaveLength(528);
      expect(out.values.every(Number.isFinite)).toBe(true);
      expect(out.top[0].value).toBe(Math.max(...out.values));
    });
  }

  it('PATH dog/cat, 100 steps: equals the in-process tfjs engine (another executor when ONNX loads) to 1e-4', async () => {
    const image = join(IMAGES, 'dog_cat_composite.png');
    const r = await cli([
      '--image',
      image,
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
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ method: 'PATH', steps: 100, rule: 'LEFT_RIEMANN' });
    expect(out.elapsedMs).toBeGreaterThan(0);
    const net = sharedNetwork();
    const request = validateInput(
      { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 100 },
      { labels: Labels.parse(net.labelsText), layers: net.layers },
    );
    const ref = await attributeOnce(await wasmExecutor(), decodeImage(readFileSync(image)).pixels, request);
    expect(relativeL2(out.values, ref.values)).toBeLessThan(1e-4);
    expect(out.completenessGap).toBeCloseTo(ref.completenessGap, 3);
  });

  it('prints a readable table without --json', async () => {
    const r = await cli([
      '--image',
      join(IMAGES, '224', 'fruits.png'),
      '--class1',
      'lemon',
      '--class2',
      'orange',
      '--method',
      'simple',
      '--top',
      '3',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Top 3 channels \(toward "lemon"\)/);
    expect(r.stdout).toMatch(/Bottom 3 channels \(toward "orange"\)/);
  });
});

describe('CLI: the compiled bundle, the graph cache and where the time goes', () => {
  it("a second run loads the three graphs from the first run's cache, builds none, and gives the same values", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cli-cache-'));
    const args = [
      '--image',
      join(IMAGES, '224', 'chelsea_cat.png'),
      '--class1',
      'tiger cat',
      '--class2',
      'Egyptian cat',
      '--method',
      'simple',
      '--json',
    ];
    const runs: any[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const r = await cli(args, { bundle: true, env: { ENGINE_CACHE_DIR: cacheDir } });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        runs.push(JSON.parse(r.stdout));
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
    expect(runs[0].graphs).toEqual({ compiled: 2, fromCache: 0 });
    expect(runs[1].graphs).toEqual({ compiled: 0, fromCache: 2 });
    for (const out of runs) {
      for (const k of ['compileMs', 'activationsMs', 'pathMs', 'startupMs']) expect(out[k]).toBeGreaterThanOrEqual(0);
      // The user's wait holds the activations and the path (the compile overlaps the image decode).
      expect(out.elapsedMs).toBeGreaterThanOrEqual(out.activationsMs + out.pathMs);
    }
    expect(relativeL2(runs[1].values, runs[0].values)).toBeLessThan(1e-6);
  });

  it('the bundle reports bad input in one line, as the sources do', async () => {
    const r = await cli(['--image', join(IMAGES, '224', 'fruits.png'), '--layer', 'mixed9z', '--json'], { bundle: true });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Unknown layer "mixed9z"/);
  });
});

describe('CLI: bad input gives a one-line error and a non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-bad-'));
  const text = join(dir, 'notes.png');
  writeFileSync(text, 'this is not an image');
  const empty = join(dir, 'empty.jpg');
  writeFileSync(empty, '');
  const good = join(IMAGES, '224', 'fruits.png');
  const cases: [string, string[], RegExp][] = [
    ['a file that is not an image', ['--image', text], /not a PNG or JPEG/],
    ['a 0-byte file', ['--image', empty], /empty \(0 bytes\)/],
    ['a missing file', ['--image', join(dir, 'nope.png')], /no such file/],
    ['an unknown layer', ['--image', good, '--layer', 'mixed9z'], /Unknown layer "mixed9z": choose one of mixed3a/],
    ['an unknown class', ['--image', good, '--class1', 'lemmon'], /Unknown class "lemmon". Closest: "lemon"/],
    ['steps of 0', ['--image', good, '--steps', '0'], /steps must be a whole number from 1 to 2000, got 0/],
    ['steps over 2000', ['--image', good, '--steps', '2001'], /steps must be a whole number from 1 to 2000, got 2001/],
    ['an unknown method', ['--image', good, '--method', 'magic'], /unknown method "magic"/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await cli([...args, '--json']);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }
});

describe('CLI: --groups K', () => {
  it('--json gains groups [{ channels, spatial, attribution, error }] and reconstructionError; each attribution is sum(G_i * grad) of the tfjs executor', async () => {
    const image = join(IMAGES, 'dog_cat_composite.png');
    const r = await cli([
      '--image',
      image,
      '--layer',
      'mixed5a',
      '--class1',
      'tiger cat',
      '--class2',
      'Labrador retriever',
      '--method',
      'simple',
      '--groups',
      '3',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.groups).toHaveLength(3);
    // SIMPLE is exact: the linear form has no integration error.
    expect(out.groups.map((g: { error: number }) => g.error)).toEqual([0, 0, 0]);
    expect(out.reconstructionError).toBeGreaterThan(0);
    expect(out.reconstructionError).toBeLessThan(1);
    const ex = await wasmExecutor();
    const A = await ex.activations(decodeImage(readFileSync(image)).pixels, 'mixed5a');
    const [H, W, C] = ex.network.byName.get('mixed5a')!.shape;
    const { grads } = await ex.gradients('mixed5a', A, 1, { class1: { kind: 'class', index: 282 }, class2: { kind: 'class', index: 208 } });
    const expected = out.groups.map((g: { channels: number[]; spatial: number[] }) => {
      expect(g.channels).toHaveLength(C);
      expect(g.spatial).toHaveLength(H * W);
      let t = 0;
      for (let i = 0; i < A.length; i++) t += g.spatial[Math.floor(i / C)] * g.channels[i % C] * grads[i];
      return t;
    });
    const largest = Math.max(...expected.map(Math.abs));
    out.groups.forEach((g: { attribution: number }, i: number) =>
      expect(Math.abs(g.attribution - expected[i])).toBeLessThan(1e-3 * largest),
    );
  });

  it('a group count off 1..16 is one line on stderr and exit code 2', async () => {
    const r = await cli([
      '--image',
      join(IMAGES, 'dog_cat_composite.png'),
      '--layer',
      'mixed4d',
      '--class1',
      'tiger cat',
      '--method',
      'simple',
      '--groups',
      '0',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: groups must be a whole number from 1 to 16 at mixed4d, got 0.\n');
  });
});

describe('CLI: --spatial-to LAYER', () => {
  it('--json gains spatialToSpatial: one map over --layer per position of the later layer, as the tfjs executor computes it', async () => {
    const image = join(IMAGES, 'dog_cat_composite.png');
    const r = await cli([
      '--image',
      image,
      '--layer',
      'mixed4d',
      '--class1',
      'tiger cat',
      '--method',
      'simple',
      '--spatial-to',
      'mixed5a',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout).spatialToSpatial;
    expect(out).toMatchObject({ from: 'mixed4d', to: 'mixed5a', fromHeight: 14, fromWidth: 14, toHeight: 7, toWidth: 7 });
    expect(out.maps).toHaveLength(49);
    const target = out.maps.find((m: { x: number; y: number }) => m.x === 2 && m.y === 5);
    expect(target.values).toHaveLength(196);
    const ex = await wasmExecutor();
    const acts = await ex.activations(decodeImage(readFileSync(image)).pixels, 'mixed4d');
    const expected = await layerToLayerAttribution(
      ex,
      acts,
      validateLayerToLayer(ex.network.layers, 'mixed4d', 'mixed5a', [{ x: 2, y: 5 }]),
    );
    expect(relativeL2(target.values, expected.maps[0].values)).toBeLessThan(1e-3);
  });

  it('a target layer not after --layer is one line on stderr and exit code 2', async () => {
    const r = await cli([
      '--image',
      join(IMAGES, 'dog_cat_composite.png'),
      '--layer',
      'mixed4d',
      '--class1',
      'tiger cat',
      '--method',
      'simple',
      '--spatial-to',
      'mixed4a',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: The target layer must come after the source layer: mixed4a is not after mixed4d \(order: mixed3a, .*\)\.\n$/,
    );
  });
});
