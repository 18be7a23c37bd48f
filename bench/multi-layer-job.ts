import { join } from 'node:path';
import { ATTRIBUTION_LAYERS } from '../server/engine/network/network.js';
import type { JobInput } from '../server/jobs/job-record.js';
import { REPO_ROOT } from '../server/repo-root.js';
import { benchApp, machineLine, runJobs, runJobsInTurn } from './_job-runs.js';

/**
 * Every GoogLeNet layer of one image at tolerance 0.01: one multi-layer job (one forward pass
 * for all activations, the layers in turn) against the 9 single-layer jobs a user would queue
 * instead, through the embedded server's job service, warm (every layer's graphs compiled or
 * loaded once before). The 9 jobs are timed both queued at once (the queue runs JOB_CONCURRENCY
 * of them side by side) and one after another. Rounds alternate. `npx tsx bench/multi-layer-job.ts
 * [--rounds N] [--image NAME] [--tolerance T] [--skip-at-once]`: the last leaves out the jobs
 * queued at once, so that the one job and the 9 in turn alternate back to back.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const ROUNDS = Number(arg('rounds', '2'));
const IMAGE = `example-${arg('image', 'dog_cat_composite')}`;
const TOLERANCE = Number(arg('tolerance', '0.01'));
const AT_ONCE = !process.argv.includes('--skip-at-once');

const base: JobInput = {
  imageId: IMAGE,
  layer: 'mixed4d',
  class1: 'Labrador retriever',
  class2: 'tiger cat',
  method: 'PATH',
  steps: 256,
  tolerance: TOLERANCE,
};

const { app, close } = await benchApp(join(REPO_ROOT, '..', 'shared', 'images'));
try {
  console.log(machineLine());
  // Warm-up: every layer's graphs compiled (or loaded from the graph cache) and run once.
  await runJobs(app, [{ ...base, layers: ['*'], steps: 16, tolerance: null }]);
  const rows: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const multi = await runJobs(app, [{ ...base, layers: ['*'] }]);
    const atOnce = AT_ONCE
      ? await runJobs(
          app,
          ATTRIBUTION_LAYERS.map((layer) => ({ ...base, layer })),
        )
      : undefined;
    const inTurn = await runJobsInTurn(
      app,
      ATTRIBUTION_LAYERS.map((layer) => ({ ...base, layer })),
    );
    const steps = multi.jobs[0].stepsDone;
    const singleSteps = inTurn.jobs.reduce((s, j) => s + j.stepsDone, 0);
    const once = atOnce ? `${(atOnce.ms / 1000).toFixed(2)} s` : 'skipped';
    const onceRatio = atOnce ? `${(atOnce.ms / multi.ms).toFixed(2)}x` : '-';
    rows.push(
      `| ${r + 1} | ${(multi.ms / 1000).toFixed(2)} s (${steps} steps) | ${once} | ` +
        `${(inTurn.ms / 1000).toFixed(2)} s (${singleSteps} steps) | ${onceRatio} | ${(inTurn.ms / multi.ms).toFixed(2)}x |`,
    );
  }
  console.log(`\n9 layers of ${IMAGE}, PATH, tolerance ${TOLERANCE} (the default rule for a tolerance), warm engine\n`);
  console.log(
    '| round | one job, 9 layers | 9 single-layer jobs queued at once | 9 single-layer jobs in turn | speed-up vs at once | vs in turn |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`\n${machineLine()}`);
} finally {
  await close();
}
