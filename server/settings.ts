import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_BATCH_SIZE } from './engine/attribution/validate.js';
import { DEFAULT_JOB_LIMITS, type JobLimits } from './engine/attribution/job-budget.js';
import {
  DEFAULT_SPIN_US,
  parseBackendChoice,
  parseOrtProvider,
  parseTfBackend,
  type BackendChoice,
  type ExecutorSettings,
} from './engine/executors/executor-settings.js';
import { locateModelDir } from './engine/network/model-source.js';
import { DEFAULT_MAX_MODEL_BYTES } from './engine/onnx-import/model-size-limit.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from './jobs/job-checkpoints.js';
import type { ScaleOutSettings } from './jobs/redis/redis-scale-out.js';
import { DEFAULT_MAX_QUEUED, MIN_CONCURRENCY } from './jobs/queue-defaults.js';

/**
 * Every environment variable the processes read, declared once in SETTINGS (name, default,
 * meaning, parser), parsed here and nowhere else; the values are passed down from the entry points
 * (server/main.ts, server/worker-main.ts, server/cli/*). A bad value stops start-up with one
 * sentence naming the variable. docs/configuration.md is printed from SETTINGS
 * (`npm run docs:settings`; a test keeps it current).
 */

type Env = NodeJS.ProcessEnv;

/** A whole-number setting; a bad value stops start-up with its name. */
export function intFromEnv(env: Env, name: string, fallback: number, min: number): number;
export function intFromEnv(env: Env, name: string, fallback: undefined, min: number): number | undefined;
export function intFromEnv(env: Env, name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got "${raw}".`);
  return n;
}

/** An on/off setting: 1, true, on, yes or 0, false, off, no; anything else stops start-up with its name. */
export function flagFromEnv(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be 1 or 0 (true/false, on/off), got "${env[name]}".`);
}

/** Which process reads a setting, as docs/configuration.md groups them. */
export type SettingGroup = 'engine' | 'server' | 'scale-out' | 'model-fetch';

/** One environment variable: what the table shows (its default and meaning) and how it is read. */
export interface Setting<T> {
  group: SettingGroup;
  /** The default as the table shows it (markdown). */
  default: string;
  /** What it does (markdown). */
  meaning: string;
  read(env: Env, name: string): T;
}

const setting = <T>(group: SettingGroup, shown: string, meaning: string, read: (env: Env, name: string) => T): Setting<T> => ({
  group,
  default: shown,
  meaning,
  read,
});
const whole = (group: SettingGroup, fallback: number, min: number, meaning: string) =>
  setting(group, `\`${fallback}\``, meaning, (env, name) => intFromEnv(env, name, fallback, min));
const wholeOrUnset = (group: SettingGroup, min: number, unset: string, meaning: string) =>
  setting(group, unset, meaning, (env, name) => intFromEnv(env, name, undefined, min));
const flag = (group: SettingGroup, fallback: boolean, meaning: string) =>
  setting(group, fallback ? '`1`' : '`0`', meaning, (env, name) => flagFromEnv(env, name, fallback));
const text = (group: SettingGroup, shown: string, meaning: string) =>
  setting(group, shown, meaning, (env, name) => env[name]?.trim() || undefined);
const url = (group: SettingGroup, schemes: string[], meaning: string) =>
  setting(group, 'unset', meaning, (env, name) => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    if (!schemes.some((s) => raw.startsWith(`${s}://`)))
      throw new Error(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got "${raw}".`);
    return raw;
  });

/**
 * Bound on a graceful shutdown (SHUTDOWN_TIMEOUT_MS). It covers the chunk in flight of each
 * running job (a 2000-step job's default chunk is 200 steps; bench/user-wait.ts times a step on
 * this machine, loaded and quiet); past the bound the process exits anyway.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

/** Loopback only unless HOST says otherwise: the API runs jobs for anyone who can reach it. */
export const DEFAULT_HOST = '127.0.0.1';

/** Two: the built-in and one imported model stay warm side by side; a third model in turn unloads the least recent. */
export const DEFAULT_MODELS_IN_MEMORY = 2;

export const DEFAULT_MAX_MODELS = 20;

/** DATA_DIR, resolved: the ONNX cache's default lives in it too. */
const dataDirIn = (env: Env) => resolve(env.DATA_DIR || 'data');

/** Every environment variable, in the order docs/configuration.md lists them. */
export const SETTINGS = {
  MODEL_DIR: setting(
    'engine',
    '`models/googlenet-bvlc`, then `../shared/models/googlenet-bvlc`',
    'the model folder (`model.json`, shards, `labels.txt`, `layers.json`); one that is set but holds no `model.json` stops start-up instead of falling back',
    (env, name) => locateModelDir(env[name] || undefined),
  ),
  ALLOW_UNKNOWN_WEIGHTS: flag(
    'engine',
    false,
    "`1` loads weights whose sha256 is not BVLC GoogLeNet's (a damaged or different copy) instead of refusing them",
  ),
  MAX_MODEL_BYTES: whole(
    'engine',
    DEFAULT_MAX_MODEL_BYTES,
    1,
    'the largest imported ONNX model (graph plus external data) `--model` or a worker reads, and the most one `importModel` upload may hold, its files together (HTTP 413 `MODEL_TOO_LARGE` with the limit, from `Content-Length` before the body is read where the request says it); a larger one is refused before it is read',
  ),
  ENGINE_MODELS_IN_MEMORY: whole(
    'engine',
    DEFAULT_MODELS_IN_MEMORY,
    1,
    'models each engine thread keeps loaded (their sessions compiled), least recently used out; a model in use is never unloaded',
  ),
  ENGINE_BACKEND: setting(
    'engine',
    '`auto`',
    '`onnx`, `tfjs`, or `auto`: ONNX Runtime, else TensorFlow.js wasm with the reason printed',
    (env, name) => parseBackendChoice(env[name]),
  ),
  ENGINE_WORKERS: wholeOrUnset('engine', 1, '1 for ONNX (multi-threaded), one per core for tfjs', 'engine worker threads'),
  ENGINE_BATCH_SIZE: whole('engine', DEFAULT_BATCH_SIZE, 1, 'path steps per executor call when a request does not say'),
  ENGINE_NICE: setting(
    'engine',
    '`0`',
    "the engine threads' nice value, 0-19: above 0 they give the cores to the event loop first, so queries stay fast under load, and jobs take longer on a machine shared with other work (`bench/load.ts --nice N`; [api.md](api.md#configuration))",
    (env, name) => {
      const nice = intFromEnv(env, name, 0, 0);
      if (nice > 19) throw new Error(`${name} must be a whole number from 0 to 19, got "${env[name]}".`);
      return nice;
    },
  ),
  ENGINE_CACHE_DIR: setting(
    'engine',
    '`DATA_DIR/onnx-cache`',
    "ONNX Runtime's optimized graphs, one file per (weights, network, layer, graph, settings, ORT version, CPU, compiler source), so a later start loads them instead of building them; `off` disables; pruned to 1.5 GB, least recently used first",
    (env, name) => {
      const v = env[name];
      if (v !== undefined) return v === '' || v.toLowerCase() === 'off' ? undefined : resolve(v);
      return resolve(dataDirIn(env), 'onnx-cache');
    },
  ),
  ENGINE_ORT_PROVIDER: setting('engine', '`cpu`', '`cuda` for a GPU ([below](#gpu))', (env, name) => parseOrtProvider(env[name])),
  ENGINE_ORT_SPINNING: setting(
    'engine',
    `\`${DEFAULT_SPIN_US}\``,
    "how long ONNX Runtime's idle threads spin between ops, in microseconds: `0` sleeps at once, `1` spins as ONNX Runtime likes (a little faster on a machine of its own, several times slower where other processes share the cores); the bounded default covers the gaps between ops and stops right after a run",
    spinningFromEnv,
  ),
  TF_BACKEND: setting(
    'engine',
    '`wasm`',
    "TensorFlow.js's backend: `cpu`, or `tensorflow` where `@tensorflow/tfjs-node(-gpu)` is installed (optional, detected at run time)",
    (env, name) => parseTfBackend(env[name]),
  ),
  HOST: setting(
    'server',
    `\`${DEFAULT_HOST}\``,
    'the address the server listens on: this machine only; `0.0.0.0` (or `::`, or one interface) exposes the API and dashboard to the network, with no login ([api.md](api.md#configuration))',
    (env, name) => env[name] || DEFAULT_HOST,
  ),
  PORT: whole('server', 4000, 0, 'HTTP port (`0` picks a free one and prints it)'),
  DATA_DIR: setting('server', '`./data`', 'the job store (`jobs.sqlite`), uploaded images, spritemaps and the ONNX cache', (env) =>
    dataDirIn(env),
  ),
  EXAMPLES_DIR: setting(
    'server',
    '`images/` two levels above the model (`../shared/images`)',
    'the example images (`examples` query); none when missing',
    (env, name) => env[name] || undefined,
  ),
  MODELS_DIR: setting(
    'server',
    '`DATA_DIR/models`',
    "imported models, one folder (or `.onnx` file) each, its name the model's id ([models.md](models.md#in-the-api-and-the-dashboard)); in scale-out, one volume every API instance and worker mounts",
    (env, name) => (env[name] ? resolve(env[name]!) : join(dataDirIn(env), 'models')),
  ),
  MAX_MODELS: whole('server', DEFAULT_MAX_MODELS, 0, 'imported models at most; one more import is `TOO_MANY_MODELS`'),
  ADMIN_TOKEN: text(
    'server',
    'unset',
    'when set, `importModel` and `deleteModel` need `Authorization: Bearer <token>` (compared in constant time); everything else stays open. Unset on a server whose `HOST` is beyond loopback, imports and deletes are refused (`FORBIDDEN`), and start-up says so',
  ),
  MAX_QUEUED: wholeOrUnset(
    'server',
    0,
    `\`${DEFAULT_MAX_QUEUED}\``,
    'jobs that may wait; one more gives `QUEUE_FULL` (running jobs do not count)',
  ),
  MAX_IMAGES_PER_JOB: whole(
    'server',
    DEFAULT_JOB_LIMITS.maxImages,
    1,
    'images one job (`imageIds`, or `--images` in the CLI) or one `uploadImages` call may hold; more is `JOB_TOO_LARGE`',
  ),
  MAX_JOB_STEPS: whole(
    'server',
    DEFAULT_JOB_LIMITS.maxSteps,
    1,
    'gradient steps one job may ask for, layers x images x steps (a tolerance job counts its maximum), for the server and the CLI alike; more is `JOB_TOO_LARGE`, with the number',
  ),
  JOB_CONCURRENCY: wholeOrUnset(
    'server',
    1,
    `${MIN_CONCURRENCY}, or the engine workers if more`,
    'jobs running at once; a worker interleaves its jobs between batches, so the three jobs of `compareMethods` stream side by side',
  ),
  SHUTDOWN_TIMEOUT_MS: whole(
    'server',
    DEFAULT_SHUTDOWN_TIMEOUT_MS,
    0,
    'bound on a graceful shutdown (SIGTERM, SIGINT) of the server or a worker; past it the process exits, and what is stored stays',
  ),
  CHECKPOINT_INTERVAL_MS: whole(
    'server',
    DEFAULT_CHECKPOINT_INTERVAL_MS,
    0,
    'least time between two checkpoints of a running job (`0`: every chunk): a crash loses at most this much compute per job ([api.md](api.md#what-survives-what))',
  ),
  SPRITES_BACKGROUND: flag(
    'server',
    false,
    "`1`: once a layer's channel pictures were asked for, render the rest of the layer in the background, behind everything else (a whole layer is one to three hours of every core, for pictures nobody asked for yet, but they are then ready at once); `0` renders only what is asked for, and an idle server stays idle ([spritemaps.md](spritemaps.md#on-demand-in-the-dashboard), [performance.md](performance.md))",
  ),
  ROLE: setting(
    'scale-out',
    '`all`',
    'with `REDIS_URL`: `api` serves the API only (one engine thread, for image decoding and predictions); `all` also runs a worker in the same process',
    (env, name) => {
      const role = (env[name]?.trim() || 'all').toLowerCase();
      if (role !== 'all' && role !== 'api') throw new Error(`${name} must be "all" or "api", got "${env[name]}".`);
      return role as 'all' | 'api';
    },
  ),
  REDIS_URL: url(
    'scale-out',
    ['redis', 'rediss'],
    '`redis://host:port`: the queue and the events go through Redis, to other API instances and workers ([scale-out.md](scale-out.md))',
  ),
  DATABASE_URL: url(
    'scale-out',
    ['postgres', 'postgresql'],
    '`postgres://user:pass@host/db`: jobs in PostgreSQL (tables created on first start); without it the API and workers share `DATA_DIR/jobs.sqlite`, which works on one machine only. Needs `REDIS_URL`',
  ),
  REDIS_PREFIX: setting(
    'scale-out',
    '`attribution`',
    'prefix of every Redis key, so deployments can share a Redis',
    (env, name) => env[name]?.trim() || 'attribution',
  ),
  WORKER_CONCURRENCY: wholeOrUnset('scale-out', 1, 'engine pool size', 'jobs one worker process runs at once'),
  WORKER_LOCK_MS: whole('scale-out', 30_000, 1000, 'BullMQ job lock: a worker silent this long is taken for dead'),
  WORKER_STALLED_INTERVAL_MS: whole('scale-out', 30_000, 500, 'how often workers look for jobs whose worker died'),
  WORKER_MAX_STALLED: whole('scale-out', 1, 0, 'times such a job is handed to another worker; the next time it ends `INTERRUPTED`'),
  MODEL_BASE_URL: text(
    'model-fetch',
    'caffejs on GitHub, at the pinned commit',
    '`npm run model:fetch`: where the converted weights are downloaded from (a mirror); `--base-url` overrides it ([model-fetch.md](model-fetch.md))',
  ),
  CI: setting('model-fetch', 'unset', 'set by CI services: the CLIs draw no progress bar when stderr is not a terminal', (env, name) =>
    Boolean(env[name]),
  ),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof SETTINGS;

/** The typed value of one setting in `env`. */
export function readSetting<K extends SettingName>(env: Env, name: K): ReturnType<(typeof SETTINGS)[K]['read']> {
  return SETTINGS[name].read(env, name) as ReturnType<(typeof SETTINGS)[K]['read']>;
}

const GROUP_TITLES: Record<SettingGroup, string> = {
  engine: 'The engine (server, workers and CLIs)',
  server: 'The server',
  'scale-out': 'Scale-out: Redis, PostgreSQL and workers',
  'model-fetch': 'Command-line tools',
};

/** The markdown tables of every setting, one per group, as docs/configuration.md holds them. */
export function settingsTables(): string {
  const entries = Object.entries(SETTINGS) as [SettingName, Setting<unknown>][];
  return (Object.keys(GROUP_TITLES) as SettingGroup[])
    .map((group) =>
      [
        `### ${GROUP_TITLES[group]}`,
        '',
        '| variable | default | meaning |',
        '| --- | --- | --- |',
        ...entries.filter(([, s]) => s.group === group).map(([name, s]) => `| \`${name}\` | ${s.default} | ${s.meaning} |`),
      ].join('\n'),
    )
    .join('\n\n');
}

/** What the engine is started with. */
export interface EngineSettings {
  /** ENGINE_BACKEND (or --backend): onnx, tfjs or auto. */
  backend: BackendChoice;
  /** MODEL_DIR, else the repo's models/googlenet-bvlc, else ../shared/models/googlenet-bvlc. */
  modelDir: string;
  /** ALLOW_UNKNOWN_WEIGHTS: load weights whose checksum is not BVLC GoogLeNet's. */
  allowUnknownWeights: boolean;
  /** ENGINE_WORKERS: engine threads; unset lets the pool choose (one for ONNX, one per core for tfjs). */
  workers: number | undefined;
  /** ENGINE_BATCH_SIZE: path steps per executor call when a request does not say. */
  batchSize: number;
  /**
   * ENGINE_NICE: the engine threads' nice value (0-19, default 0). Above 0 they yield the cores to
   * the event loop at once, so queries stay fast under load; on a machine shared with other work
   * they also yield to that, and jobs take longer (bench/load.ts; docs/api.md).
   */
  nice: number;
  /** MAX_MODEL_BYTES: the largest imported model (graph plus external data) read; default 1 GB. */
  maxModelBytes: number;
  /**
   * ENGINE_MODELS_IN_MEMORY: models each engine thread keeps loaded (their sessions compiled),
   * least recently used out (default 2); a model in use is never unloaded.
   */
  modelsInMemory: number;
  /** ENGINE_ORT_PROVIDER, ENGINE_ORT_SPINNING, TF_BACKEND, ENGINE_CACHE_DIR. */
  executor: Required<Omit<ExecutorSettings, 'threads' | 'cacheDir'>> & Pick<ExecutorSettings, 'cacheDir'>;
}

/**
 * `imported`: an imported model is served, so the built-in model's folder is only where the
 * ImageNet labels are looked up, and may be missing (modelDir is then empty).
 */
export function engineSettings(env: Env = process.env, overrides: { backend?: string; imported?: boolean } = {}): EngineSettings {
  return {
    backend: overrides.backend !== undefined ? parseBackendChoice(overrides.backend) : readSetting(env, 'ENGINE_BACKEND'),
    modelDir: overrides.imported ? optionalModelDir(env) : readSetting(env, 'MODEL_DIR'),
    allowUnknownWeights: readSetting(env, 'ALLOW_UNKNOWN_WEIGHTS'),
    workers: readSetting(env, 'ENGINE_WORKERS'),
    batchSize: readSetting(env, 'ENGINE_BATCH_SIZE'),
    nice: readSetting(env, 'ENGINE_NICE'),
    maxModelBytes: readSetting(env, 'MAX_MODEL_BYTES'),
    modelsInMemory: readSetting(env, 'ENGINE_MODELS_IN_MEMORY'),
    executor: {
      provider: readSetting(env, 'ENGINE_ORT_PROVIDER'),
      spinning: readSetting(env, 'ENGINE_ORT_SPINNING'),
      tfBackend: readSetting(env, 'TF_BACKEND'),
      cacheDir: engineCacheDir(env),
    },
  };
}

/** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS (layers x images x steps): the budget of one job, for the server and the CLI alike. */
export function jobLimits(env: Env = process.env): JobLimits {
  return {
    maxImages: readSetting(env, 'MAX_IMAGES_PER_JOB'),
    maxSteps: readSetting(env, 'MAX_JOB_STEPS'),
  };
}

function optionalModelDir(env: Env): string {
  try {
    return readSetting(env, 'MODEL_DIR');
  } catch {
    return '';
  }
}

/**
 * ENGINE_ORT_SPINNING: 0 (or off) lets ONNX Runtime's idle threads sleep at once, 1 (or on) spin
 * as ORT likes, N > 1 spin at most N microseconds; unset, the engine's bounded default.
 */
function spinningFromEnv(env: Env, name: string): boolean | number {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return DEFAULT_SPIN_US;
  if (['0', 'off', 'false', 'no'].includes(raw)) return false;
  if (['1', 'on', 'true', 'yes'].includes(raw)) return true;
  return intFromEnv(env, name, DEFAULT_SPIN_US, 2);
}

/**
 * ENGINE_CACHE_DIR, else DATA_DIR/onnx-cache (`./data` by default, as the server's data); `off`
 * (or an empty value) compiles every graph in memory each time.
 */
export const engineCacheDir = (env: Env = process.env) => readSetting(env, 'ENGINE_CACHE_DIR');

/** DATA_DIR (default ./data): jobs.sqlite, uploads and spritemaps. */
export const dataDirFromEnv = (env: Env = process.env) => readSetting(env, 'DATA_DIR');

/** Where models live, and the limits on importing them. */
export interface ModelSettings {
  /** MODELS_DIR (default DATA_DIR/models): one folder per imported model, its name the model's id. Shared by every instance and worker in scale-out. */
  modelsDir: string;
  /** MAX_MODEL_BYTES (as the engine reads it): the most one import may upload, all its files together (HTTP 413 beyond). */
  maxModelBytes: number;
  /** MAX_MODELS: imported models at most. */
  maxModels: number;
  /** ADMIN_TOKEN: when set, importModel and deleteModel need `Authorization: Bearer <token>`. */
  adminToken: string | null;
}

export function modelSettings(env: Env = process.env): ModelSettings {
  return {
    modelsDir: readSetting(env, 'MODELS_DIR'),
    maxModelBytes: readSetting(env, 'MAX_MODEL_BYTES'),
    maxModels: readSetting(env, 'MAX_MODELS'),
    adminToken: readSetting(env, 'ADMIN_TOKEN') ?? null,
  };
}

/** REDIS_URL, DATABASE_URL, REDIS_PREFIX (docs/scale-out.md). */
export function scaleOutSettings(env: Env = process.env): ScaleOutSettings {
  return {
    redisUrl: readSetting(env, 'REDIS_URL'),
    databaseUrl: readSetting(env, 'DATABASE_URL'),
    redisPrefix: readSetting(env, 'REDIS_PREFIX'),
  };
}

/** What `npm run model:fetch` runs with: MODEL_DIR as set (not looked up: the fetch warns when it differs from --dest) and MODEL_BASE_URL. */
export const modelFetchSettings = (env: Env = process.env) => ({
  modelDir: env.MODEL_DIR || undefined,
  baseUrl: readSetting(env, 'MODEL_BASE_URL'),
});

/** CI: the CLIs' progress bars go to a terminal, or anywhere outside CI. */
export const runsInCi = (env: Env = process.env) => readSetting(env, 'CI');

/** What `npm start` / `npm run serve` runs with. */
export interface ServerSettings {
  port: number;
  /** HOST: the address to listen on. */
  host: string;
  /** SHUTDOWN_TIMEOUT_MS: how long a graceful shutdown may take. */
  shutdownMs: number;
  /** CHECKPOINT_INTERVAL_MS: least time between two checkpoints of a running job (0: every chunk). */
  checkpointIntervalMs: number;
  dataDir: string;
  /** EXAMPLES_DIR, else the images beside the model (../shared/images); null when missing. */
  examplesDir: string | null;
  /** MAX_QUEUED: waiting jobs before QUEUE_FULL. */
  maxQueued: number | undefined;
  /** JOB_CONCURRENCY: jobs running at once; unset: enough for the pool. */
  jobConcurrency: number | undefined;
  /** ROLE on Redis: `api` serves the API only, `all` also runs a worker. */
  role: 'all' | 'api';
  /**
   * SPRITES_BACKGROUND: once a layer's sprites were asked for, render the rest of it in the
   * background (default off: a whole layer is one to three hours of every core, for pictures nobody asked for).
   */
  spritesBackground: boolean;
  scaleOut: ScaleOutSettings;
  engine: EngineSettings;
  models: ModelSettings;
}

export function serverSettings(env: Env = process.env): ServerSettings {
  const engine = engineSettings(env);
  const scaleOut = scaleOutSettings(env);
  const role = readSetting(env, 'ROLE');
  if (!scaleOut.redisUrl && (role === 'api' || scaleOut.databaseUrl)) {
    throw new Error(
      `${role === 'api' ? 'ROLE=api' : 'DATABASE_URL'} needs REDIS_URL: jobs are computed by workers that take them from Redis (docs/scale-out.md).`,
    );
  }
  // The examples sit beside the model: ../shared/images next to ../shared/models/googlenet-bvlc.
  const examplesDir = readSetting(env, 'EXAMPLES_DIR') ?? join(engine.modelDir, '..', '..', 'images');
  return {
    port: readSetting(env, 'PORT'),
    host: readSetting(env, 'HOST'),
    shutdownMs: readSetting(env, 'SHUTDOWN_TIMEOUT_MS'),
    checkpointIntervalMs: readSetting(env, 'CHECKPOINT_INTERVAL_MS'),
    dataDir: dataDirFromEnv(env),
    examplesDir: existsSync(examplesDir) ? examplesDir : null,
    maxQueued: readSetting(env, 'MAX_QUEUED'),
    jobConcurrency: readSetting(env, 'JOB_CONCURRENCY'),
    role,
    spritesBackground: readSetting(env, 'SPRITES_BACKGROUND'),
    scaleOut,
    models: modelSettings(env),
    // An API-only process needs one engine thread for decoding and predictions.
    engine: { ...engine, workers: engine.workers ?? (role === 'api' ? 1 : undefined) },
  };
}

/** What `npm run worker` runs with (docs/scale-out.md). */
export interface WorkerSettings {
  dataDir: string;
  scaleOut: ScaleOutSettings & { redisUrl: string };
  engine: EngineSettings;
  /** MODELS_DIR and the limits: the worker runs jobs on the models the API instances imported there. */
  models: ModelSettings;
  /** WORKER_CONCURRENCY: jobs at once; unset: the engine pool's size. */
  concurrency: number | undefined;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** CHECKPOINT_INTERVAL_MS, as for the server. */
  checkpointIntervalMs: number;
  /** SHUTDOWN_TIMEOUT_MS, as for the server. */
  shutdownMs: number;
}

export function workerSettings(env: Env = process.env): WorkerSettings {
  const scaleOut = scaleOutSettings(env);
  const redisUrl = scaleOut.redisUrl;
  if (!redisUrl) throw new Error('REDIS_URL is not set: a worker takes its jobs from Redis (docs/scale-out.md).');
  return {
    dataDir: dataDirFromEnv(env),
    scaleOut: { ...scaleOut, redisUrl },
    engine: engineSettings(env),
    models: modelSettings(env),
    concurrency: readSetting(env, 'WORKER_CONCURRENCY'),
    lockDurationMs: readSetting(env, 'WORKER_LOCK_MS'),
    stalledIntervalMs: readSetting(env, 'WORKER_STALLED_INTERVAL_MS'),
    maxStalledCount: readSetting(env, 'WORKER_MAX_STALLED'),
    checkpointIntervalMs: readSetting(env, 'CHECKPOINT_INTERVAL_MS'),
    shutdownMs: readSetting(env, 'SHUTDOWN_TIMEOUT_MS'),
  };
}
