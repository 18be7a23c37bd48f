import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadAll, downloadFile, type RemoteFile } from '../../../server/model-fetch/download.js';
import { caffejsFixture, startMirror, type Mirror, type MirrorFaults } from './caffejs-mirror.js';

const SIZE = 300_000;
const body = randomBytes(SIZE);
const other = randomBytes(50_000);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const files = new Map([
  ['w/a.bin', body],
  ['w/b.bin', other],
]);

let dir: string;
let mirror: Mirror | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'download-test-'));
});
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(faults: MirrorFaults = {}) {
  await mirror?.close();
  mirror = await startMirror(files, faults);
  return mirror;
}
const target = (m: Mirror, path = 'w/a.bin', content: Uint8Array = body): RemoteFile => ({
  url: m.url + path,
  dest: join(dir, path),
  bytes: content.length,
  sha256: sha256(content),
});

/** Sums progress deltas, which must add up to the file on disk. */
function progress() {
  const p = { total: 0, onBytes: (d: number) => (p.total += d) };
  return p;
}

describe('downloadFile', () => {
  it('downloads, then keeps a complete verified file without asking the server again', async () => {
    const m = await serve();
    const p = progress();
    expect(await downloadFile(target(m), { onBytes: p.onBytes })).toBe('downloaded');
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
    expect(p.total).toBe(SIZE);
    expect(await downloadFile(target(m))).toBe('cached');
    expect(m.requests.length).toBe(1);
  });

  it('resumes with an HTTP Range after the connection drops mid-file', async () => {
    const m = await serve({ cut: [{ path: 'w/a.bin', afterBytes: 120_000, times: 1 }] });
    const p = progress();
    expect(await downloadFile(target(m), { retryDelayMs: 10, onBytes: p.onBytes })).toBe('resumed');
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
    expect(p.total).toBe(SIZE);
    expect(m.requests.length).toBe(2);
    const from = Number(/^bytes=(\d+)-$/.exec(m.requests[1].range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(120_000);
    expect(m.requests[1]).toMatchObject({ status: 206, bodyBytes: SIZE - from });
  });

  it('drops a request that stalls mid-file and resumes it', async () => {
    const m = await serve({ stall: [{ path: 'w/a.bin', afterBytes: 80_000, times: 1 }] });
    const p = progress();
    expect(await downloadFile(target(m), { idleTimeoutMs: 300, retryDelayMs: 10, onBytes: p.onBytes })).toBe('resumed');
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
    expect(p.total).toBe(SIZE);
    expect(m.requests[1].range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('gives up on a download that keeps getting cut, keeps the partial file, and a later run resumes it', async () => {
    const m = await serve({ cut: [{ path: 'w/a.bin', afterBytes: 100_000, times: 99 }] });
    const err = await downloadFile(target(m), { retries: 2, retryDelayMs: 10 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect(err.message).toMatch(/stopped at \d+ of 300000 bytes after 3 tries.*run `npm run model:fetch` again to resume/);
    const partial = statSync(join(dir, 'w/a.bin')).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(SIZE);

    const healthy = await serve();
    expect(await downloadFile(target(healthy))).toBe('resumed');
    expect(healthy.requests).toEqual([{ path: 'w/a.bin', range: `bytes=${partial}-`, status: 206, bodyBytes: SIZE - partial }]);
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
  });

  it('reports a file the server holds truncated, after its retries, instead of looping', async () => {
    const m = await serve({ shorten: [{ path: 'w/a.bin', bytes: 1000 }] });
    const err = await downloadFile(target(m), { retries: 2, retryDelayMs: 10 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect(err.message).toMatch(/stopped at \d+ of 300000 bytes after 3 tries/);
    expect(m.requests.length).toBe(3);
  });

  it('starts over when the server ignores Range and sends the whole file', async () => {
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w/a.bin'), body.subarray(0, 1000));
    const m = await serve({ ignoreRange: true });
    const p = progress();
    await downloadFile(target(m), { onBytes: p.onBytes });
    expect(m.requests[0]).toMatchObject({ range: 'bytes=1000-', status: 200, bodyBytes: SIZE });
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
    expect(p.total).toBe(SIZE);
  });

  it('refetches whole a partial file that was wrong, once, instead of failing', async () => {
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w/a.bin'), randomBytes(5000)); // garbage left by someone else
    const m = await serve();
    expect(await downloadFile(target(m), { retryDelayMs: 10 })).toBe('downloaded');
    expect(m.requests.map((r) => r.range)).toEqual(['bytes=5000-', null]);
    expect(readFileSync(join(dir, 'w/a.bin')).equals(body)).toBe(true);
  });

  it('reports a wrong checksum with both hashes and deletes the bad file', async () => {
    const m = await serve({ corrupt: ['w/a.bin'] });
    const err = await downloadFile(target(m)).catch((e) => e);
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(err.message).toContain(`expected ${sha256(body)}`);
    expect(err.message).toContain(m.url + 'w/a.bin');
    expect(existsSync(join(dir, 'w/a.bin'))).toBe(false);
  });

  it('reports a 404 with the URL and does not retry it', async () => {
    const m = await serve({ notFound: ['w/a.bin'] });
    const err = await downloadFile(target(m), { retryDelayMs: 10 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status: 404 } });
    expect(err.message).toMatch(new RegExp(`GET ${m.url}w/a.bin answered 404 Not Found.*MODEL_BASE_URL`));
    expect(m.requests.length).toBe(1);
  });

  it('rejects a file longer than expected', async () => {
    const m = await serve();
    const err = await downloadFile({ ...target(m), bytes: SIZE - 10 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(err.message).toMatch(/longer than the 299990 bytes expected/);
    expect(existsSync(join(dir, 'w/a.bin'))).toBe(false);
  });
});

describe('downloadAll', () => {
  it('settles promptly when a failure aborts reads in flight, round after round', async () => {
    // Regression: undici's body stream could stay pending forever when its fetch was aborted
    // mid-read, hanging the whole fetch (about 1 round in 10 before the fix).
    const fixture = caffejsFixture();
    const paths = [...fixture.keys()];
    const bad = paths.find((p) => p.endsWith('inception_4c/3x3_filter.bin'))!;
    for (let round = 0; round < 10; round++) {
      rmSync(join(dir, 'models'), { recursive: true, force: true });
      await mirror?.close();
      mirror = await startMirror(fixture, { corrupt: [bad] });
      const m = mirror;
      const outcome = await Promise.race([
        downloadAll(
          paths.map((p) => target(m, p, fixture.get(p)!)),
          { concurrency: 4 },
        ).then(
          () => 'resolved',
          (e) => e.code,
        ),
        new Promise((r) => setTimeout(() => r('hung'), 15_000)),
      ]);
      expect(outcome, `round ${round}`).toBe('CHECKSUM_MISMATCH');
    }
  });

  it('stops every download at the first failure and rethrows it once they have stopped', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `w/f${i}.bin`);
    for (const n of names) files.set(n, body);
    try {
      const m = await serve({ notFound: ['w/f3.bin'] });
      const err = await downloadAll(
        names.map((n) => target(m, n)),
        { concurrency: 2 },
      ).catch((e) => e);
      expect(err).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status: 404 } });
      // Nothing was still being written: the requests made stay the ones made before the failure.
      const made = m.requests.length;
      await new Promise((r) => setTimeout(r, 100));
      expect(m.requests.length).toBe(made);
      expect(made).toBeLessThan(names.length);
    } finally {
      for (const n of names) files.delete(n);
    }
  });
});
