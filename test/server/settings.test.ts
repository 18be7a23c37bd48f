import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_DOC, withSettingsTables } from '../../server/cli/settings-table.js';
import { REPO_ROOT } from '../../server/repo-root.js';
import { DEFAULT_MAX_QUEUED } from '../../server/jobs/queue-defaults.js';
import { engineSettings, readSetting, serverSettings, SETTINGS, workerSettings } from '../../server/settings.js';
import { DEFAULT_SPIN_US } from '../../server/engine/executors/executor-settings.js';
import { MODEL_DIR } from '../helpers/fixtures.js';

const env = (vars: Record<string, string>) => ({ MODEL_DIR, ...vars });

describe('settings: every environment variable parsed once, with one clear sentence when bad', () => {
  it('fills in the defaults', () => {
    const s = serverSettings(env({}));
    expect(s).toMatchObject({ port: 4000, role: 'all', maxQueued: undefined, jobConcurrency: undefined, spritesBackground: false });
    expect(s.engine).toMatchObject({
      backend: 'auto',
      modelDir: MODEL_DIR,
      workers: undefined,
      batchSize: 10,
      nice: 0,
      executor: { provider: 'cpu', spinning: DEFAULT_SPIN_US, tfBackend: 'wasm' },
    });
    expect(s.scaleOut).toEqual({ redisUrl: null, databaseUrl: null, redisPrefix: 'attribution' });
  });

  it('reads each variable into its typed value', () => {
    const s = engineSettings(
      env({
        ENGINE_BACKEND: 'TFJS',
        ENGINE_WORKERS: '2',
        ENGINE_BATCH_SIZE: '4',
        ENGINE_ORT_SPINNING: '1',
        TF_BACKEND: 'cpu',
        ENGINE_NICE: '10',
      }),
    );
    expect(s).toMatchObject({ backend: 'tfjs', workers: 2, batchSize: 4, nice: 10, executor: { spinning: true, tfBackend: 'cpu' } });
    expect(engineSettings(env({ ENGINE_BACKEND: 'tfjs' }), { backend: 'onnx' }).backend).toBe('onnx');
    expect(engineSettings(env({ ENGINE_ORT_SPINNING: 'off' })).executor.spinning).toBe(false);
    expect(engineSettings(env({ ENGINE_ORT_SPINNING: '250' })).executor.spinning).toBe(250);
    expect(serverSettings(env({ SPRITES_BACKGROUND: '1' })).spritesBackground).toBe(true);
    expect(serverSettings(env({ SPRITES_BACKGROUND: '0' })).spritesBackground).toBe(false);
    expect(serverSettings(env({ SPRITES_BACKGROUND: 'On' })).spritesBackground).toBe(true);
    const api = serverSettings(env({ REDIS_URL: 'redis://127.0.0.1:6379', ROLE: 'api' }));
    expect(api.engine.workers).toBe(1);
  });

  it.each([
    ['ENGINE_BATCH_SIZE', 'ten', /ENGINE_BATCH_SIZE must be a whole number >= 1, got "ten"/],
    ['ENGINE_WORKERS', '0', /ENGINE_WORKERS must be a whole number >= 1/],
    ['ENGINE_NICE', '20', /ENGINE_NICE must be a whole number from 0 to 19, got "20"/],
    ['ENGINE_ORT_SPINNING', 'fast', /ENGINE_ORT_SPINNING must be a whole number >= 2, got "fast"/],
    ['ENGINE_NICE', '-5', /ENGINE_NICE must be a whole number >= 0/],
    ['TF_BACKEND', 'webgl', /Unknown TF_BACKEND "webgl": use wasm, cpu, tensorflow/],
    ['ENGINE_BACKEND', 'cuda', /Unknown backend "cuda"/],
    ['ENGINE_ORT_PROVIDER', 'tpu', /cpu or cuda/],
    ['PORT', '-1', /PORT must be a whole number >= 0/],
    ['ROLE', 'worker', /ROLE must be "all" or "api"/],
    ['SPRITES_BACKGROUND', 'maybe', /SPRITES_BACKGROUND must be 1 or 0 \(true\/false, on\/off\), got "maybe"/],
    ['REDIS_URL', 'http://x', /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
  ])('%s=%s is refused', (name, value, message) => {
    expect(() => serverSettings(env({ [name]: value }))).toThrow(message);
  });

  it('a worker needs REDIS_URL; ROLE=api and DATABASE_URL need it too', () => {
    expect(() => workerSettings(env({}))).toThrow(/REDIS_URL is not set/);
    expect(() => serverSettings(env({ ROLE: 'api' }))).toThrow(/ROLE=api needs REDIS_URL/);
    expect(() => serverSettings(env({ DATABASE_URL: 'postgres://x/y' }))).toThrow(/DATABASE_URL needs REDIS_URL/);
  });
});

describe('the configuration table', () => {
  it('docs/configuration.md holds the tables printed from SETTINGS (else: npm run docs:settings)', () => {
    const doc = readFileSync(CONFIGURATION_DOC, 'utf8');
    expect(withSettingsTables(doc)).toBe(doc);
    for (const name of Object.keys(SETTINGS)) expect(doc).toContain(`| \`${name}\` |`);
  });

  it('every environment variable the code reads is declared in SETTINGS, and read only in settings.ts', () => {
    const sources = (dir: string): string[] =>
      readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    const reads = (file: string) =>
      [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]);
    const outside = [...sources('server'), ...sources('schema')]
      .filter((f) => f !== join('server', 'settings.ts'))
      .flatMap((f) => reads(f).map((v) => `${f}: ${v}`));
    expect(outside).toEqual([]);
    const undeclared = reads(join('server', 'settings.ts')).filter((v) => !(v in SETTINGS));
    expect(undeclared).toEqual([]);
  });

  it('each default the table shows is the value read from an empty environment', () => {
    const empty = { MODEL_DIR };
    expect(readSetting(empty, 'PORT')).toBe(4000);
    expect(SETTINGS.PORT.default).toBe('`4000`');
    expect(SETTINGS.MAX_QUEUED.default).toBe(`\`${DEFAULT_MAX_QUEUED}\``);
    expect(SETTINGS.SHUTDOWN_TIMEOUT_MS.default).toBe(`\`${readSetting(empty, 'SHUTDOWN_TIMEOUT_MS')}\``);
    expect(SETTINGS.SPRITES_BACKGROUND.default).toBe(readSetting(empty, 'SPRITES_BACKGROUND') ? '`1`' : '`0`');
    expect(SETTINGS.HOST.default).toBe(`\`${readSetting(empty, 'HOST')}\``);
  });

  it('ENGINE_ORT_SPINNING takes on/off words or microseconds; ALLOW_UNKNOWN_WEIGHTS is an on/off setting like the others', () => {
    expect(engineSettings(env({ ENGINE_ORT_SPINNING: 'on' })).executor.spinning).toBe(true);
    expect(engineSettings(env({ ENGINE_ORT_SPINNING: '0' })).executor.spinning).toBe(false);
    expect(SETTINGS.ENGINE_ORT_SPINNING.default).toBe(`\`${DEFAULT_SPIN_US}\``);
    expect(engineSettings(env({ ALLOW_UNKNOWN_WEIGHTS: '1' })).allowUnknownWeights).toBe(true);
    expect(engineSettings(env({})).allowUnknownWeights).toBe(false);
    expect(() => engineSettings(env({ ENGINE_ORT_SPINNING: 'fast' }))).toThrow(/ENGINE_ORT_SPINNING must be a whole number >= 2/);
  });
});
