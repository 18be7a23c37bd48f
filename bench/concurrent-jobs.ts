import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { validateInput, type AttributionInput } from '../server/engine/attribution/index.js';
import { REPO_ROOT } from '../server/repo-root.js';
import { EnginePool } from '../server/workers/pool.js';

/**
 * What does running jobs at once on one engine worker cost (the server's MIN_CONCURRENCY lets
 * compareMethods's three jobs stream side by side), against running them one after the other?
 * The worker interleaves their batches. The three methods of compareMethods at mixed4d, STEPS
 * steps each, dog_cat_composite (224 px), one worker; the two ways alternate ROUNDS times.
 * `npx tsx bench/concurrent-jobs.ts [--rounds 3] [--steps 40]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg('rounds', '3'));
const STEPS = Number(arg('steps', '40'));
const cpuFlags = () =>
  [...new Set(readFileSync('/proc/cpuinfo', 'utf8').match(/\bavx512[a-z_0-9]*|\bavx2\b/g) ?? [])].sort().join(' ') || 'none';

const pool = await EnginePool.start({ size: 1 });
try {
  const { pixels } = await pool.decodeImage(readFileSync(join(REPO_ROOT, '..', 'shared', 'images', '224', 'dog_cat_composite.png')));
  const requests = (['SIMPLE', 'PATH', 'STOCHASTIC_PATH'] as const).map((method) =>
    validateInput({ layer: 'mixed4d', class1: 'Pekinese', class2: 'tiger cat', method, steps: STEPS } as AttributionInput, {
      labels: pool.info.labels,
      layers: pool.info.layers,
    }),
  );
  const timed = async (run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  const oneByOne = () =>
    timed(async () => {
      for (const r of requests) await pool.run(pixels, r);
    });
  const atOnce = () => timed(() => Promise.all(requests.map((r) => pool.run(pixels, r))));
  await oneByOne(); // warm-up: the layer's graphs compiled or loaded
  const rows: [string, number, number][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const a = await oneByOne();
    const b = await atOnce();
    rows.push([`round ${round}`, a, b]);
  }
  console.log(
    `\nThree jobs (SIMPLE, PATH, STOCHASTIC_PATH), mixed4d, ${STEPS} steps, one worker on ${pool.info.backend}; ` +
      `${cpus().length} x ${cpus()[0]?.model.trim()}, flags ${cpuFlags()}, Node ${process.version}; load average ${loadavg()[0].toFixed(1)} at the end`,
  );
  console.log('| round | one after another (ms) | at once, interleaved (ms) | at once / one after another |');
  console.log('| --- | --- | --- | --- |');
  for (const [name, a, b] of rows) console.log(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)} |`);
} finally {
  await pool.close();
}
