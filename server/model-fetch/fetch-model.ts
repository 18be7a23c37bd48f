import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ModelFetchError } from '../errors/model-fetch-error.js';
import { fileUrl, labelsFile, loadManifest, weightFiles, type CaffejsManifest } from './caffejs-manifest.js';
import { convertCaffejsToTfjs } from './caffejs-to-tfjs.js';
import { downloadAll, type DownloadOutcome, type RemoteFile } from './download.js';
import { verifyModelFolder, verifyPredictions, type PredictionCheck } from './verify-model.js';

export type FetchPhase = 'check' | 'download' | 'convert' | 'verify' | 'predict' | 'install';

export interface FetchEvents {
  phase?(phase: FetchPhase, detail: string): void;
  downloadStart?(totalBytes: number, fileCount: number): void;
  bytes?(delta: number): void;
  file?(path: string, outcome: DownloadOutcome): void;
}

export interface FetchModelOptions {
  /** Where the caffejs repo's `models/` and `data/` folders are served from. */
  baseUrl: string;
  /** The model folder to create, e.g. `<repo>/models/googlenet-bvlc`. */
  dest: string;
  /** Where raw downloads wait between runs, so a failed fetch resumes. */
  cacheDir?: string;
  /** Rebuild even when `dest` already holds the verified model. */
  force?: boolean;
  keepDownloads?: boolean;
  /** PROVENANCE.md's images (224/ copies); null or a missing folder skips the prediction check. */
  imagesDir?: string | null;
  /** Only these images (base names, e.g. `fruits`) for the prediction check. */
  predictionImages?: string[];
  concurrency?: number;
  retries?: number;
  retryDelayMs?: number;
  manifest?: CaffejsManifest;
  signal?: AbortSignal;
  events?: FetchEvents;
}

export interface FetchModelResult {
  dest: string;
  status: 'installed' | 'already-installed';
  downloads: Record<DownloadOutcome, number>;
  weightsSha256: string;
  predictions: PredictionCheck[];
}

/** `<parent>/.cache/caffejs-<commit>`: beside the models, ignored by git and by the engine. */
export const defaultCacheDir = (dest: string, m: CaffejsManifest) =>
  join(dirname(dest), '.cache', `caffejs-${m.source.commit.slice(0, 12)}`);

/**
 * Downloads the caffejs files (resumable, sha256-checked), converts them, verifies the result
 * and only then renames it into `dest`. Until that rename the model lives in a hidden staging
 * folder the engine never looks at, so a failure at any step leaves no loadable half-model.
 */
export async function fetchModel(opts: FetchModelOptions): Promise<FetchModelResult> {
  const manifest = opts.manifest ?? loadManifest();
  const ev = opts.events ?? {};
  const none = { cached: 0, downloaded: 0, resumed: 0 };

  if (!opts.force && existsSync(join(opts.dest, 'model.json'))) {
    ev.phase?.('check', `checking the model already in ${opts.dest}`);
    try {
      const { weightsSha256 } = verifyModelFolder(opts.dest, manifest);
      return { dest: opts.dest, status: 'already-installed', downloads: none, weightsSha256, predictions: [] };
    } catch (e) {
      ev.phase?.('check', `the model in ${opts.dest} fails verification (${(e as Error).message}); rebuilding it`);
    }
  }

  const cacheDir = opts.cacheDir ?? defaultCacheDir(opts.dest, manifest);
  const files = manifest.files;
  const remote: RemoteFile[] = files.map((f) => ({
    url: fileUrl(opts.baseUrl, f.path),
    dest: join(cacheDir, f.path),
    bytes: f.bytes,
    sha256: f.sha256,
  }));
  ev.phase?.('download', `fetching ${files.length} files from ${opts.baseUrl}`);
  ev.downloadStart?.(
    files.reduce((n, f) => n + f.bytes, 0),
    files.length,
  );
  const downloads = await downloadAll(remote, {
    concurrency: opts.concurrency,
    retries: opts.retries,
    retryDelayMs: opts.retryDelayMs,
    signal: opts.signal,
    onBytes: ev.bytes,
    onFile: (f, outcome) => ev.file?.(f.url, outcome),
  });

  ev.phase?.('convert', 'converting caffejs layout to the TensorFlow.js graph model');
  const weightsDir = join(cacheDir, manifest.source.weightsDir);
  if (weightFiles(manifest).length !== manifest.totals.weightFiles)
    throw new ModelFetchError('CONVERSION_FAILED', 'caffejs-manifest.json is inconsistent: re-derive it.');
  const folder = convertCaffejsToTfjs({
    weightFile: (p) => readFileSync(join(weightsDir, p)),
    synsetWords: readFileSync(join(cacheDir, labelsFile(manifest).path)),
  });

  mkdirSync(dirname(opts.dest), { recursive: true });
  const staging = join(dirname(opts.dest), `.${basename(opts.dest)}.staging-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(staging);
    for (const [name, bytes] of folder) writeFileSync(join(staging, name), bytes);

    ev.phase?.('verify', 'checking sha256 of every file against PROVENANCE.md');
    const { weightsSha256 } = verifyModelFolder(staging, manifest);

    let predictions: PredictionCheck[] = [];
    if (opts.imagesDir && existsSync(opts.imagesDir)) {
      ev.phase?.('predict', `checking top-5 predictions on ${opts.imagesDir}`);
      predictions = await verifyPredictions(staging, manifest, opts.imagesDir, opts.predictionImages);
    } else if (opts.imagesDir) {
      ev.phase?.(
        'predict',
        `reference images not found at ${opts.imagesDir}: top-5 not checked (the sha256 checks already pin the weights to the verified model)`,
      );
    } else {
      ev.phase?.('predict', 'top-5 check skipped (the sha256 checks already pin the weights to the verified model)');
    }

    opts.signal?.throwIfAborted();
    ev.phase?.('install', `installing into ${opts.dest}`);
    installAtomically(staging, opts.dest);
    if (!opts.keepDownloads) removeDownloads(cacheDir);
    return { dest: opts.dest, status: 'installed', downloads, weightsSha256, predictions };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Deletes the raw files, and the `.cache` folder too when nothing else is in it. */
function removeDownloads(cacheDir: string) {
  rmSync(cacheDir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(cacheDir));
  } catch {
    /* not empty, or already gone */
  }
}

/** rename(2) is atomic within a filesystem; an old copy is moved aside first and restored on failure. */
function installAtomically(staging: string, dest: string) {
  const old = existsSync(dest) ? `${join(dirname(dest), `.${basename(dest)}.old-${process.pid}-${Date.now()}`)}` : null;
  if (old) renameSync(dest, old);
  try {
    renameSync(staging, dest);
  } catch (e) {
    if (old) renameSync(old, dest);
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}
