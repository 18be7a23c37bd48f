import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_BATCH_SIZE } from './engine/attribution/validate.js';
import { DEFAULT_JOB_LIMITS, type JobLimits } from './engine/attribution/job-budget.js';
import {
  parseBackendChoice,
  parseOrtProvider,
  parseTfBackend,
  type BackendChoice,
  type ExecutorSettings,
} from './engine/executors/index.js';
import { locateModelDir } from './engine/network/model-source.js';
import { DEFAULT_MAX_MODEL_BYTES } from './engine/onnx-import/model-files.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from './jobs/job-checkpoints.js';
import type { ScaleOutSettings } from './jobs/redis/redis-scale-out.js';

/**
 * Every environment variable the processes read, parsed and checked here once; the values are
 * passed down from the entry points (server/main.ts, server/worker-main.ts, server/cli/*). A bad
 * value stops start-up with one sentence naming the variable. README, "Configuration", lists them.
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

/** What the engine is started with. */
export interface EngineSettings {
  /** ENGINE_BACKEND (or --backend): onnx, tfjs or auto. */
  backend: BackendChoice;
  /** MODEL_DIR, else the repo's models/googlenet-bvlc, else ../shared/models/googlenet-bvlc. */
  modelDir: string;
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
  /** ENGINE_ORT_PROVIDER, ENGINE_ORT_SPINNING, TF_BACKEND, ENGINE_CACHE_DIR. */
  executor: Required<Omit<ExecutorSettings, 'threads' | 'cacheDir'>> & Pick<ExecutorSettings, 'cacheDir'>;
}

/**
 * `imported`: an imported model is served, so the built-in model's folder is only where the
 * ImageNet labels are looked up, and may be missing (modelDir is then empty).
 */
export function engineSettings(env: Env = process.env, overrides: { backend?: string; imported?: boolean } = {}): EngineSettings {
  return {
    backend: parseBackendChoice(overrides.backend ?? env.ENGINE_BACKEND),
    modelDir: overrides.imported ? optionalModelDir(env) : locateModelDir(env),
    workers: intFromEnv(env, 'ENGINE_WORKERS', undefined, 1),
    batchSize: intFromEnv(env, 'ENGINE_BATCH_SIZE', DEFAULT_BATCH_SIZE, 1),
    nice: niceFromEnv(env),
    maxModelBytes: intFromEnv(env, 'MAX_MODEL_BYTES', DEFAULT_MAX_MODEL_BYTES, 1),
    executor: {
      provider: parseOrtProvider(env.ENGINE_ORT_PROVIDER),
      spinning: env.ENGINE_ORT_SPINNING === '1',
      tfBackend: parseTfBackend(env.TF_BACKEND),
      cacheDir: engineCacheDir(env),
    },
  };
}

/** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS (layers x images x steps): the budget of one job, for the server and the CLI alike. */
export function jobLimits(env: Env = process.env): JobLimits {
  return {
    maxImages: intFromEnv(env, 'MAX_IMAGES_PER_JOB', DEFAULT_JOB_LIMITS.maxImages, 1),
    maxSteps: intFromEnv(env, 'MAX_JOB_STEPS', DEFAULT_JOB_LIMITS.maxSteps, 1),
  };
}

function optionalModelDir(env: Env): string {
  try {
    return locateModelDir(env);
  } catch {
    return '';
  }
}

function niceFromEnv(env: Env): number {
  const nice = intFromEnv(env, 'ENGINE_NICE', 0, 0);
  if (nice > 19) throw new Error(`ENGINE_NICE must be a whole number from 0 to 19, got "${env.ENGINE_NICE}".`);
  return nice;
}

/**
 * ENGINE_CACHE_DIR, else DATA_DIR/onnx-cache (`./data` by default, as the server's data); `off`
 * (or an empty value) compiles every graph in memory each time.
 */
export function engineCacheDir(env: Env = process.env): string | undefined {
  const v = env.ENGINE_CACHE_DIR;
  if (v !== undefined) return v === '' || v.toLowerCase() === 'off' ? undefined : resolve(v);
  return resolve(dataDirFromEnv(env), 'onnx-cache');
}

/** DATA_DIR (default ./data): jobs.sqlite, uploads and spritemaps. */
export const dataDirFromEnv = (env: Env = process.env) => resolve(env.DATA_DIR || 'data');

/** REDIS_URL, DATABASE_URL, REDIS_PREFIX (docs/scale-out.md). */
export function scaleOutSettings(env: Env = process.env): ScaleOutSettings {
  const url = (name: string, schemes: string[]) => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    if (!schemes.some((s) => raw.startsWith(`${s}://`)))
      throw new Error(`${name} must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got "${raw}".`);
    return raw;
  };
  return {
    redisUrl: url('REDIS_URL', ['redis', 'rediss']),
    databaseUrl: url('DATABASE_URL', ['postgres', 'postgresql']),
    redisPrefix: env.REDIS_PREFIX?.trim() || 'attribution',
  };
}

/**
 * Bound on a graceful shutdown (SHUTDOWN_TIMEOUT_MS). It covers the chunk in flight of each
 * running job: the default chunk of a 2000-step job is 200 steps, 1.6 s at 8 ms/step on a quiet
 * 2-core machine and 3-4x that under load; past the bound the process exits anyway.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

/** Loopback only unless HOST says otherwise: the API runs jobs for anyone who can reach it. */
export const DEFAULT_HOST = '127.0.0.1';

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
  /** SPRITES_BACKGROUND: once a layer's sprites were asked for, render the rest of it in the background (default on). */
  spritesBackground: boolean;
  scaleOut: ScaleOutSettings;
  engine: EngineSettings;
}

export function serverSettings(env: Env = process.env): ServerSettings {
  const engine = engineSettings(env);
  const scaleOut = scaleOutSettings(env);
  const role = (env.ROLE?.trim() || 'all').toLowerCase();
  if (role !== 'all' && role !== 'api') throw new Error(`ROLE must be "all" or "api", got "${env.ROLE}".`);
  if (!scaleOut.redisUrl && (role === 'api' || scaleOut.databaseUrl)) {
    throw new Error(
      `${role === 'api' ? 'ROLE=api' : 'DATABASE_URL'} needs REDIS_URL: jobs are computed by workers that take them from Redis (docs/scale-out.md).`,
    );
  }
  // The examples sit beside the model: ../shared/images next to ../shared/models/googlenet-bvlc.
  const examplesDir = env.EXAMPLES_DIR || join(engine.modelDir, '..', '..', 'images');
  return {
    port: intFromEnv(env, 'PORT', 4000, 0),
    host: env.HOST || DEFAULT_HOST,
    shutdownMs: intFromEnv(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MS, 0),
    checkpointIntervalMs: intFromEnv(env, 'CHECKPOINT_INTERVAL_MS', DEFAULT_CHECKPOINT_INTERVAL_MS, 0),
    dataDir: dataDirFromEnv(env),
    examplesDir: existsSync(examplesDir) ? examplesDir : null,
    maxQueued: intFromEnv(env, 'MAX_QUEUED', undefined, 0),
    jobConcurrency: intFromEnv(env, 'JOB_CONCURRENCY', undefined, 1),
    role,
    spritesBackground: flagFromEnv(env, 'SPRITES_BACKGROUND', true),
    scaleOut,
    // An API-only process needs one engine thread for decoding and predictions.
    engine: { ...engine, workers: engine.workers ?? (role === 'api' ? 1 : undefined) },
  };
}

/** What `npm run worker` runs with (docs/scale-out.md). */
export interface WorkerSettings {
  dataDir: string;
  scaleOut: ScaleOutSettings & { redisUrl: string };
  engine: EngineSettings;
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
    concurrency: intFromEnv(env, 'WORKER_CONCURRENCY', undefined, 1),
    lockDurationMs: intFromEnv(env, 'WORKER_LOCK_MS', 30_000, 1000),
    stalledIntervalMs: intFromEnv(env, 'WORKER_STALLED_INTERVAL_MS', 30_000, 500),
    maxStalledCount: intFromEnv(env, 'WORKER_MAX_STALLED', 1, 0),
    checkpointIntervalMs: intFromEnv(env, 'CHECKPOINT_INTERVAL_MS', DEFAULT_CHECKPOINT_INTERVAL_MS, 0),
    shutdownMs: intFromEnv(env, 'SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MS, 0),
  };
}
