import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { type Proc, stopProcess } from '../test/scale-out/helpers/processes.js';
import { REPO_ROOT } from '../test/server/helpers/test-server.js';
import { gqlData, wsClient, wsSubscribe } from '../test/server/helpers/graphql-client.js';
import { startServerProcess } from '../test/server/helpers/server-process.js';
import { npmLaunchEnv } from './_machine.js';

/**
 * What the sprite benches share: the real server (server/main.ts) on an empty DATA_DIR, as a new
 * user's `npm start` has it, the dog/cat job and a `layerSprites` watcher.
 */
export const DOG_CAT = {
  imageId: 'example-dog_cat_composite',
  layer: 'mixed4d',
  class1: 'Labrador retriever',
  class2: 'tiger cat',
  method: 'PATH',
};
/** What the dashboard starts by default: until settled at 1 %, at most 256 steps, top and bottom 10. */
export const DASHBOARD_JOB = { ...DOG_CAT, steps: 256, tolerance: 0.01, topK: 10 };

export const machine = () => `${cpus().length} x ${cpus()[0]?.model.trim()}`;
export const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');

export interface BenchServer {
  url: string;
  ws: Client;
  /** The server's process id (its CPU and memory can be read from /proc). */
  pid: number;
  close(): Promise<void>;
}

/**
 * A server on an empty DATA_DIR and a free port. `asNpmStart`: the process `npm start` runs
 * (server/launch.mjs and the built bundle, every other setting at its default), instead of the
 * tests' `node --import tsx server/main.ts` with one engine thread.
 */
export async function startFreshServer(env: Record<string, string> = {}, { asNpmStart = false } = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sprites-bench-'));
  const p = asNpmStart
    ? await startLaunchedServer({ PORT: '0', DATA_DIR: dataDir, ...env })
    : await startServerProcess({ DATA_DIR: dataDir, ...env });
  const ws = wsClient(p.wsUrl);
  return {
    url: p.url,
    ws,
    pid: p.child.pid!,
    async close() {
      await ws.dispose();
      await stopProcess(p);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `node server/launch.mjs server/main.ts` (what `npm start` starts once the client is built), resolved once it listens. */
async function startLaunchedServer(env: Record<string, string>): Promise<Proc & { url: string; wsUrl: string }> {
  const child = spawn(process.execPath, ['server/launch.mjs', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...npmLaunchEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 180_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on http:\/\/[^\s:]+:(\d+)\/graphql/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`the server exited (${code}) before it listened:\n${out}`)));
  });
  return { child, log: () => out, exited, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

const START = 'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }';

export interface JobRun {
  id: string;
  /** ms from the startAttribution call to the last snapshot. */
  wallMs: number;
  firstSnapshotMs: number;
  snapshots: number;
  stepsDone: number;
  top: number[];
  bottom: number[];
}

/** Starts a job and follows its jobProgress until done: when each snapshot arrived. `onStarted` hears the job's id at once. */
export async function runJob(srv: BenchServer, input: Record<string, unknown>, onStarted?: (id: string) => void): Promise<JobRun> {
  const t0 = performance.now();
  const id = (await gqlData(srv.url, START, { input })).startAttribution.id as string;
  onStarted?.(id);
  let first = 0;
  let snapshots = 0;
  let last = { stepsDone: 0, top: [] as number[], bottom: [] as number[] };
  let doneAt = 0;
  let failure: string | undefined;
  await wsSubscribe(
    srv.ws,
    'subscription ($id: ID!) { jobProgress(id: $id) { status stepsDone done error { message } top { channel } bottom { channel } } }',
    { id },
    (r) => {
      const p = r.data?.jobProgress;
      if (!p || p.error) failure ??= p?.error?.message ?? JSON.stringify(r.errors);
      if (!p || p.stepsDone === 0 || p.top.length === 0) return;
      if (!first) first = performance.now() - t0;
      // A reconnect or the closing event may repeat the latest snapshot: count each step count once.
      if (p.stepsDone !== last.stepsDone) snapshots++;
      last = {
        stepsDone: p.stepsDone,
        top: p.top.map((c: { channel: number }) => c.channel),
        bottom: p.bottom.map((c: { channel: number }) => c.channel),
      };
      if (p.done) doneAt = performance.now() - t0;
    },
  );
  if (failure) throw new Error(`job ${id} failed: ${failure}`);
  return {
    id,
    wallMs: doneAt || performance.now() - t0,
    firstSnapshotMs: first,
    snapshots,
    stepsDone: last.stepsDone,
    top: last.top,
    bottom: last.bottom,
  };
}

export interface LayerSpritesEvent {
  rendered: number;
  sprites: { channel: number; profile: string }[];
  pending: { channel: number; status: string; priority: string; etaSeconds: number | null }[];
}

/** Calls `onEvent` with every `layerSprites` state of the layer until it returns true. */
export function watchLayerSprites(srv: BenchServer, layer: string, onEvent: (s: LayerSpritesEvent) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const stop = srv.ws.subscribe(
      {
        query:
          'subscription ($layer: String!) { layerSprites(layer: $layer) { rendered sprites { channel profile } pending { channel status priority etaSeconds } } }',
        variables: { layer },
      },
      {
        next: (r) => {
          if (finished) return;
          const s = (r.data as { layerSprites?: LayerSpritesEvent } | undefined)?.layerSprites;
          if (!s) return reject(new Error(JSON.stringify(r.errors)));
          if (onEvent(s)) {
            finished = true;
            stop();
            resolve();
          }
        },
        error: reject,
        complete: () => finished || reject(new Error('layerSprites ended early')),
      },
    );
  });
}

export const REQUEST_SPRITES =
  'mutation ($layer: String!, $channels: [Int!]!, $priority: SpritePriority) { requestSprites(layer: $layer, channels: $channels, priority: $priority) { rendered } }';
