/**
 * npm run model:fetch [-- --base-url URL --dest DIR --force --keep-downloads --no-predictions]
 * Downloads BVLC GoogLeNet from caffejs (or a mirror), converts and verifies it, for machines without ../shared.
 */
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { isEngineError } from '../errors/engine-error.js';
import { isModelFetchError } from '../errors/model-fetch-error.js';
import { modelCandidates } from '../engine/network/model-source.js';
import { loadManifest, resolveBaseUrl } from '../model-fetch/caffejs-manifest.js';
import { fetchModel } from '../model-fetch/fetch-model.js';
import { REPO_ROOT } from '../repo-root.js';
import { modelFetchSettings } from '../settings.js';

/** The repo's gitignored models folder: second in the engine's lookup order (model-source.ts). */
const DEFAULT_DEST = modelCandidates()[0];
const DEFAULT_IMAGES = resolve(REPO_ROOT, '..', 'shared', 'images', '224');

const positive = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`"${v}" is not a positive whole number.`);
  return Number(v);
};

const program = new Command()
  .name('model:fetch')
  .description(
    'Download the BVLC GoogLeNet weights (caffejs, MIT; BVLC, unrestricted use), convert them and verify them against PROVENANCE.md.',
  )
  .option('--base-url <url>', 'where caffejs models/ and data/ are served (default: MODEL_BASE_URL, else GitHub raw at the pinned commit)')
  .option('--dest <dir>', 'model folder to create', DEFAULT_DEST)
  .option('--force', 'rebuild even if the folder already holds the verified model')
  .option('--keep-downloads', 'keep the raw caffejs files after a successful install')
  .option('--images <dir>', 'PROVENANCE images (224/ copies) for the top-5 check', DEFAULT_IMAGES)
  .option('--no-predictions', 'skip the top-5 check (the sha256 checks still run)')
  .option('--concurrency <n>', 'downloads in flight', positive, 4)
  .option('--retries <n>', 'extra tries per file after a dropped connection', (v) => (v === '0' ? 0 : positive(v)), 3)
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

const MiB = 1024 * 1024;

async function main() {
  program.parse();
  const o = program.opts();
  const manifest = loadManifest();
  const settings = modelFetchSettings();
  const baseUrl = resolveBaseUrl(manifest, o.baseUrl, settings.baseUrl);
  const dest = resolve(o.dest);
  if (settings.modelDir && resolve(settings.modelDir) !== dest) {
    console.error(
      `Note: MODEL_DIR=${settings.modelDir} is set, so the engine will look there, not in ${dest}. Use --dest "$MODEL_DIR" or unset MODEL_DIR.`,
    );
  }

  const tty = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      format: '  {bar} {percentage}% | {done}/{total_mib} MiB | {files} files',
      hideCursor: true,
      stream: process.stderr,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let filesDone = 0;
  let fileCount = 0;
  let barRunning = false;
  const payload = () => ({ done: (done / MiB).toFixed(1), files: `${filesDone}/${fileCount}` });
  const stopBar = () => {
    if (barRunning) bar.stop();
    barRunning = false;
  };

  try {
    const result = await fetchModel({
      baseUrl,
      dest,
      force: o.force,
      keepDownloads: o.keepDownloads,
      imagesDir: o.predictions ? resolve(o.images) : null,
      concurrency: o.concurrency,
      retries: o.retries,
      manifest,
      events: {
        phase: (phase, detail) => {
          if (phase !== 'download') stopBar();
          console.error(`${phase}: ${detail}`);
        },
        downloadStart: (total, count) => {
          fileCount = count;
          if (tty) {
            bar.start(total, 0, { total_mib: (total / MiB).toFixed(1), ...payload() });
            barRunning = true;
          }
        },
        bytes: (delta) => {
          done += delta;
          if (barRunning) bar.update(done, payload());
        },
        file: () => {
          filesDone++;
          if (barRunning) bar.update(done, payload());
          else if (filesDone % 29 === 0 || filesDone === fileCount)
            console.error(`  ${filesDone}/${fileCount} files, ${(done / MiB).toFixed(1)} MiB`);
        },
      },
    });
    stopBar();
    if (result.status === 'already-installed') {
      console.log(`The verified model is already in ${result.dest} (weights sha256 ${result.weightsSha256}); --force rebuilds it.`);
      return;
    }
    const d = result.downloads;
    console.log(
      `Installed BVLC GoogLeNet in ${result.dest}: ${d.downloaded} files downloaded, ${d.resumed} resumed, ${d.cached} already here; weights sha256 ${result.weightsSha256}.`,
    );
    for (const p of result.predictions) {
      console.log(
        `  ${p.image}: ${p.actual
          .slice(0, 3)
          .map((a) => `${a.label} ${a.percent.toFixed(1)}%`)
          .join(', ')} (matches PROVENANCE.md)`,
      );
    }
  } finally {
    stopBar();
  }
}

main().catch((e) => {
  if (isModelFetchError(e) || isEngineError(e)) {
    console.error(`model:fetch failed (${e.code}): ${e.message}`);
  } else {
    console.error(`model:fetch failed: ${(e as Error)?.stack ?? e}`);
  }
  process.exit(1);
});
