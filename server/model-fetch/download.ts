import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ModelFetchError } from '../errors/model-fetch-error.js';

/** One file to fetch, and what it must be. */
export interface RemoteFile {
  url: string;
  dest: string;
  bytes: number;
  sha256: string;
}

export type DownloadOutcome = 'cached' | 'downloaded' | 'resumed';

export interface DownloadOptions {
  /** Extra tries after a dropped connection or a 5xx; each resumes with an HTTP Range. */
  retries?: number;
  /** Milliseconds before try n+1 is n times this. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** A request that sends nothing for this long is dropped and retried. */
  idleTimeoutMs?: number;
  /** Bytes that reached the disk (negative when a partial file is thrown away). */
  onBytes?: (delta: number) => void;
}

export const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 500;

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/**
 * Fetches one file into `dest`, resuming a partial file with `Range: bytes=N-`. A complete
 * file whose sha256 matches is kept as it is. A file with the wrong sha256 is deleted (so the
 * next run fetches it afresh) and reported; a partial file is kept, so the next run resumes.
 */
export async function downloadFile(file: RemoteFile, opts: DownloadOptions = {}): Promise<DownloadOutcome> {
  const retries = opts.retries ?? DEFAULT_RETRIES;
  // Progress is reconciled with the file on disk before every try, so it never drifts.
  let reported = 0;
  const onBytes = (delta: number) => {
    reported += delta;
    opts.onBytes?.(delta);
  };
  const reconcile = () => onBytes(sizeOf(file.dest) - reported);
  mkdirSync(dirname(file.dest), { recursive: true });

  let have = sizeOf(file.dest);
  if (have > file.bytes) {
    rmSync(file.dest);
    have = 0;
  }
  if (have === file.bytes) {
    if ((await sha256File(file.dest)) === file.sha256) {
      onBytes(file.bytes);
      return 'cached';
    }
    rmSync(file.dest);
    have = 0;
  }
  reconcile();
  let resumed = have > 0;
  let restartedAfterMismatch = false;

  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    reconcile();
    have = sizeOf(file.dest);
    let retryable: string | null = null;
    try {
      retryable = await fetchRange(file, have, opts.signal, onBytes, opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    } catch (e) {
      if (opts.signal?.aborted || e instanceof ModelFetchError) throw e;
      retryable = `the connection failed (${describe(e)})`;
    }
    if (retryable === null) {
      const got = sizeOf(file.dest);
      if (got === file.bytes) {
        const digest = await sha256File(file.dest);
        if (digest === file.sha256) return resumed ? 'resumed' : 'downloaded';
        rmSync(file.dest);
        reconcile();
        // A partial file left by an earlier run may be what is wrong: fetch it whole, once.
        if (resumed && !restartedAfterMismatch) {
          restartedAfterMismatch = true;
          resumed = false;
          attempt = -1;
          continue;
        }
        throw new ModelFetchError(
          'CHECKSUM_MISMATCH',
          `${file.url} has sha256 ${digest}, expected ${file.sha256}: the server sends a different file. It was deleted; check that MODEL_BASE_URL / --base-url serves caffejs at the pinned commit.`,
          { url: file.url, expected: file.sha256, actual: digest },
        );
      }
      retryable = `the server closed the response at ${got} of ${file.bytes} bytes`;
    }
    if (sizeOf(file.dest) > 0) resumed = true;
    if (attempt >= retries) {
      throw new ModelFetchError(
        'DOWNLOAD_TRUNCATED',
        `Downloading ${file.url} stopped at ${sizeOf(file.dest)} of ${file.bytes} bytes after ${attempt + 1} tries: ${retryable}. The partial file is kept; run \`npm run model:fetch\` again to resume.`,
        { url: file.url, have: sizeOf(file.dest), bytes: file.bytes },
      );
    }
    await sleep((attempt + 1) * (opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS), opts.signal);
  }
}

/** No byte for this long on an open request counts as a dropped connection (and is retried). */
export const IDLE_TIMEOUT_MS = 30_000;

class IdleTimeout extends Error {}

/**
 * One GET from byte `from`. Returns null when the body ended normally, a reason string when it
 * is worth trying again (5xx, dropped or stalled connection), and throws for an answer no retry
 * can fix. The body is read chunk by chunk and each chunk written before the next is read, so
 * the file on disk is exactly what arrived and a retry resumes from there.
 */
async function fetchRange(
  file: RemoteFile,
  from: number,
  signal: AbortSignal | undefined,
  onBytes: (d: number) => void,
  idleMs: number,
): Promise<string | null> {
  // Our own controller: undici's body stream does not always settle when its fetch is aborted
  // mid-read (seen in Node 20), so every wait below also races this signal.
  const request = new AbortController();
  const forward = () => request.abort(signal!.reason);
  signal?.addEventListener('abort', forward, { once: true });
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => request.abort(new IdleTimeout()), idleMs);
  };
  const discard = (res: Response) => void res.body?.cancel().catch(() => {});
  let fd: number | null = null;
  try {
    signal?.throwIfAborted();
    armIdle();
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (from > 0) headers.range = `bytes=${from}-`;
    const res = await untilAborted(fetch(file.url, { headers, signal: request.signal, redirect: 'follow' }), request.signal);
    if (res.status === 416 && from > 0) {
      // The server thinks our partial file is already whole or longer: start again.
      discard(res);
      rmSync(file.dest, { force: true });
      onBytes(-from);
      return 'the server refused to resume (416)';
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      discard(res);
      return `the server answered ${res.status} ${res.statusText}`;
    }
    if (res.status !== 200 && res.status !== 206) {
      discard(res);
      throw new ModelFetchError(
        'DOWNLOAD_FAILED',
        `GET ${file.url} answered ${res.status} ${res.statusText}${res.status === 404 ? ': the base URL does not hold the caffejs files (models/bvlc_googlenet/weights/...)' : ''}. Check MODEL_BASE_URL / --base-url; files already fetched are kept for the next run.`,
        { url: file.url, status: res.status },
      );
    }
    let append = false;
    if (res.status === 206) {
      const range = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== from) {
        discard(res);
        throw new ModelFetchError(
          'DOWNLOAD_FAILED',
          `GET ${file.url} from byte ${from} answered with range "${res.headers.get('content-range')}"; the server does not resume correctly.`,
          { url: file.url },
        );
      }
      append = true;
    } else if (from > 0) {
      // 200 to a Range request: the server sends the whole file, so the partial one goes.
      onBytes(-from);
    }
    if (!res.body) return 'the response had no body';
    const reader = res.body.getReader();
    fd = openSync(file.dest, append ? 'a' : 'w');
    let written = append ? from : 0;
    try {
      for (;;) {
        armIdle();
        const { done, value } = await untilAborted(reader.read(), request.signal);
        if (done) break;
        written += value.byteLength;
        if (written > file.bytes) {
          closeSync(fd);
          fd = null;
          rmSync(file.dest, { force: true });
          onBytes(-(written - value.byteLength));
          throw new ModelFetchError(
            'CHECKSUM_MISMATCH',
            `${file.url} is longer than the ${file.bytes} bytes expected: the server sends a different file. Check MODEL_BASE_URL / --base-url.`,
            { url: file.url },
          );
        }
        writeSync(fd, value);
        onBytes(value.byteLength);
      }
    } finally {
      void reader.cancel().catch(() => {});
    }
    return null;
  } catch (e) {
    if (request.signal.reason instanceof IdleTimeout && !signal?.aborted) return `the server sent nothing for ${idleMs / 1000} s`;
    throw e;
  } finally {
    clearTimeout(idle);
    signal?.removeEventListener('abort', forward);
    request.abort();
    if (fd !== null) closeSync(fd);
  }
}

/** `p`, or a rejection with the signal's reason as soon as it aborts, whichever comes first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const describe = (e: unknown) => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * Fetches `files` with a few in flight at once. The first failure aborts the others and is
 * rethrown once they have stopped, so no write is still running when the caller cleans up.
 */
export async function downloadAll(
  files: RemoteFile[],
  opts: DownloadOptions & { concurrency?: number; onFile?: (file: RemoteFile, outcome: DownloadOutcome) => void } = {},
): Promise<Record<DownloadOutcome, number>> {
  const controller = new AbortController();
  const outer = opts.signal;
  const onOuterAbort = () => controller.abort(outer!.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const counts: Record<DownloadOutcome, number> = { cached: 0, downloaded: 0, resumed: 0 };
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < files.length && !controller.signal.aborted) {
      const file = files[next++];
      try {
        const outcome = await downloadFile(file, { ...opts, signal: controller.signal });
        counts[outcome]++;
        opts.onFile?.(file, outcome);
      } catch (e) {
        if (failure === null) failure = controller.signal.aborted && outer?.aborted ? outer.reason : e;
        controller.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, files.length)) }, worker));
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (failure !== null) throw failure;
  return counts;
}
