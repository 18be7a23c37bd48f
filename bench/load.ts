import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gqlData } from '../test/server/helpers/graphql-client.js';
import { startProcess, stopProcess } from '../test/scale-out/helpers/processes.js';

/**
 * Heavier load: does a `model` query stay fast, and does every subscriber see its job
 * finish, with JOBS jobs running at once and SUBSCRIBERS subscribers split between SSE and
 * graphql-ws? One embedded server (`server/main.ts`, JOB_CONCURRENCY=JOBS), the subscribers in a
 * second process, and this process probing `model` one query at a time, first on an idle server,
 * then under the load. `npx tsx bench/load.ts [--jobs 8] [--subscribers 100] [--steps 200]
 * [--chunk 10] [--layer mixed4d] [--nice 0]` (`--nice`: the server's ENGINE_NICE).
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const JOBS = Number(arg('jobs', '8'));
const SUBSCRIBERS = Number(arg('subscribers', '100'));
const STEPS = Number(arg('steps', '200'));
const CHUNK = Number(arg('chunk', '10'));
const LAYER = arg('layer', 'mixed4d');
const NICE = arg('nice', '0');
/** Pause between probes: the probe must not be the load. */
const PROBE_GAP_MS = 20;
const IDLE_PROBES = 200;

const MODEL = '{ model { name backend layers { name channels height width } } }';
const START = 'mutation ($input: AttributionInput!) { startAttribution(input: $input) { id } }';

async function probe(url: string, until: () => boolean, min = 0): Promise<number[]> {
  const ms: number[] = [];
  while (ms.length < min || !until()) {
    const t = performance.now();
    await gqlData(url, MODEL);
    ms.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
  }
  return ms;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const server = await startProcess(
    'server/main.ts',
    { PORT: '0', DATA_DIR: dataDir, JOB_CONCURRENCY: String(JOBS), MAX_QUEUED: String(JOBS), ENGINE_NICE: NICE },
    /listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/,
  );
  const url = `http://127.0.0.1:${server.match[1]}/graphql`;
  const wsUrl = `ws://127.0.0.1:${server.match[1]}/graphql`;
  try {
    const input = (seed: number) => ({
      imageId: 'example-dog_cat_composite',
      layer: LAYER,
      class1: 'Labrador retriever',
      class2: 'tiger cat',
      method: 'STOCHASTIC_PATH',
      steps: STEPS,
      chunkSteps: CHUNK,
      seed,
    });
    // Warm-up: the ONNX session for the layer compiles on the first job.
    const warm = (await gqlData(url, START, { input: { ...input(0), steps: CHUNK } })).startAttribution.id;
    while ((await gqlData(url, `query ($id: ID!) { job(id: $id) { status } }`, { id: warm })).job.status !== 'SUCCEEDED')
      await new Promise((r) => setTimeout(r, 200));

    const loadIdle = loadavg()[0];
    let n = 0;
    const idle = (await probe(url, () => ++n >= IDLE_PROBES)).sort((a, b) => a - b);

    const loadBefore = loadavg()[0];
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push((await gqlData(url, START, { input: input(i + 1) })).startAttribution.id);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/_load-subscribers.ts', url, wsUrl, JSON.stringify(ids), String(SUBSCRIBERS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let finished = false;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve((finished = true) && undefined)));
    const loaded = (await probe(url, () => finished, 50)).sort((a, b) => a - b);
    await exited;
    const wallS = (Date.now() - t0) / 1000;
    const seen = JSON.parse(out) as { transport: string; events: number; final: string | null; error?: string }[];

    const row = (name: string, ms: number[], load: number) => [
      name,
      String(ms.length),
      pct(ms, 50).toFixed(1),
      pct(ms, 95).toFixed(1),
      pct(ms, 99).toFixed(1),
      ms.at(-1)!.toFixed(1),
      load.toFixed(2),
    ];
    console.log(
      `\n\`model\` query latency (ms), one at a time every ${PROBE_GAP_MS} ms; ${JOBS} STOCHASTIC_PATH jobs at ${LAYER}, ${STEPS} steps in chunks of ${CHUNK}, ${SUBSCRIBERS} subscribers, ENGINE_NICE=${NICE}; this machine (${availableParallelism()} cores)`,
    );
    table(
      ['server', 'queries', 'p50', 'p95', 'p99', 'max', 'load avg'],
      [row('idle', idle, loadIdle), row(`${JOBS} jobs + ${SUBSCRIBERS} subscribers`, loaded, loadBefore)],
    );
    console.log(`\nSubscribers (jobs done in ${wallS.toFixed(1)} s)`);
    const rows = ['sse', 'ws'].map((t) => {
      const of = seen.filter((s) => s.transport === t);
      const events = of.map((s) => s.events).sort((a, b) => a - b);
      return [
        t,
        String(of.length),
        String(of.filter((s) => s.final === 'SUCCEEDED').length),
        String(of.filter((s) => s.error).length),
        String(events[0]),
        String(pct(events, 50)),
      ];
    });
    table(['transport', 'subscribers', 'saw SUCCEEDED', 'errors', 'min events', 'median events'], rows);
    const errors = seen.filter((s) => s.error);
    if (errors.length) console.log(`first error: ${errors[0].error}`);
    const p99 = pct(loaded, 99);
    console.log(
      `\n${p99 < 50 ? 'PASS' : 'MISS'}: p99 ${p99.toFixed(1)} ms under load (target < 50 ms); ${seen.filter((s) => s.final === 'SUCCEEDED').length}/${SUBSCRIBERS} subscribers saw their job finish`,
    );
  } finally {
    await stopProcess(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
