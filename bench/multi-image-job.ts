import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { decodeImage } from '../server/engine/images.js';
import type { JobInput } from '../server/jobs/job-record.js';
import { REPO_ROOT } from '../server/repo-root.js';
import { benchApp, machineLine, runJobs, runJobsInTurn } from './_job-runs.js';

/**
 * 32 images at one layer: one multi-image job against the 32 single-image jobs a user would
 * queue instead (at once, and one after another), through the embedded server's job service,
 * warm; throughput in images per second. The 32 images are the shared photos (../shared/images)
 * and variants of them (mirrored, centre-zoomed), written as 224 px PNGs to a temporary examples
 * folder. `npx tsx bench/multi-image-job.ts [--images N] [--layer L] [--steps S] [--rounds N]`.
 */
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const IMAGES = Number(arg('images', '32'));
const LAYER = arg('layer', 'mixed4d');
const STEPS = Number(arg('steps', '32'));
const ROUNDS = Number(arg('rounds', '1'));

/** The photos and their variants as 224 px PNG files; their example ids. */
function writeImages(dir: string, n: number): string[] {
  const photos = join(REPO_ROOT, '..', 'shared', 'images');
  const sources = readdirSync(photos)
    .filter((f) => /\.(png|jpe?g)$/i.test(f))
    .sort();
  const variants: [string, (x: number, y: number) => [number, number]][] = [
    ['', (x, y) => [x, y]],
    ['-mirrored', (x, y) => [223 - x, y]],
    ['-zoomed', (x, y) => [28 + Math.floor((x * 168) / 224), 28 + Math.floor((y * 168) / 224)]],
    ['-zoomed-mirrored', (x, y) => [28 + Math.floor(((223 - x) * 168) / 224), 28 + Math.floor((y * 168) / 224)]],
  ];
  const ids: string[] = [];
  for (const [suffix, at] of variants) {
    for (const file of sources) {
      if (ids.length >= n) return ids;
      const pixels = decodeImage(new Uint8Array(readFileSync(join(photos, file)))).pixels;
      const png = new PNG({ width: 224, height: 224 });
      for (let y = 0; y < 224; y++)
        for (let x = 0; x < 224; x++) {
          const [sx, sy] = at(x, y);
          for (let c = 0; c < 3; c++) png.data[(y * 224 + x) * 4 + c] = Math.round(pixels[(sy * 224 + sx) * 3 + c]);
          png.data[(y * 224 + x) * 4 + 3] = 255;
        }
      const name = `${file.replace(/\.\w+$/, '')}${suffix}`;
      writeFileSync(join(dir, `${name}.png`), PNG.sync.write(png));
      ids.push(`example-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    }
  }
  if (ids.length < n) throw new Error(`only ${ids.length} images could be made`);
  return ids;
}

const examples = mkdtempSync(join(tmpdir(), 'bench-images-'));
const ids = writeImages(examples, IMAGES);
const { app, close } = await benchApp(examples);
try {
  console.log(machineLine());
  const base: JobInput = { imageId: ids[0], layer: LAYER, class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: STEPS };
  await runJobs(app, [{ ...base, imageIds: ids.slice(0, 2) }]);
  const rows: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const multi = await runJobs(app, [{ ...base, imageIds: ids }]);
    const atOnce = await runJobs(
      app,
      ids.map((imageId) => ({ ...base, imageId })),
    );
    const inTurn = await runJobsInTurn(
      app,
      ids.map((imageId) => ({ ...base, imageId })),
    );
    const ips = (ms: number) => (IMAGES / (ms / 1000)).toFixed(2);
    rows.push(
      `| ${r + 1} | ${(multi.ms / 1000).toFixed(1)} s, ${ips(multi.ms)} images/s | ${(atOnce.ms / 1000).toFixed(1)} s, ${ips(atOnce.ms)} images/s | ` +
        `${(inTurn.ms / 1000).toFixed(1)} s, ${ips(inTurn.ms)} images/s | ${(atOnce.ms / multi.ms).toFixed(2)}x | ${(inTurn.ms / multi.ms).toFixed(2)}x |`,
    );
  }
  console.log(`\n${IMAGES} images at ${LAYER}, PATH, ${STEPS} steps (left Riemann), warm engine\n`);
  console.log(
    `| round | one job, ${IMAGES} images | ${IMAGES} single jobs queued at once | ${IMAGES} single jobs in turn | speed-up vs at once | vs in turn |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(`\n${machineLine()}`);
} finally {
  await close();
  rmSync(examples, { recursive: true, force: true });
}
