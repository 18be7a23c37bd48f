import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BVLC_GOOGLENET_WEIGHTS_SHA256, readModelFiles } from '../../../server/engine/network/model-source.js';
import { REPO_ROOT } from '../../helpers/fixtures.js';
import { caffejsFixture, startMirror, type Mirror } from './caffejs-mirror.js';

const run = promisify(execFile);
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const root = mkdtempSync(join(tmpdir(), 'model-fetch-cli-'));
const mirrors: Mirror[] = [];
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `npm run model:fetch` the way npm does (tsx server/cli/model-fetch.ts), without the network. */
async function modelFetch(args: string[], env: Record<string, string> = {}) {
  const { MODEL_BASE_URL: _drop, MODEL_DIR: _dir, ...base } = process.env;
  try {
    const r = await run(TSX, ['server/cli/model-fetch.ts', ...args], { cwd: REPO_ROOT, env: { ...base, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('npm run model:fetch', () => {
  it('takes the base URL from MODEL_BASE_URL and exits 1 with one clear line on a 404', async () => {
    const mirror = await startMirror(new Map());
    mirrors.push(mirror);
    const dest = join(root, 'a');
    const r = await modelFetch(['--dest', dest, '--no-predictions'], { MODEL_BASE_URL: mirror.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model:fetch failed \(DOWNLOAD_FAILED\): GET http:\/\/127\.0\.0\.1:\d+\/\S+ answered 404 Not Found/);
    expect(mirror.requests.length).toBeGreaterThan(0);
    expect(existsSync(join(dest, 'model.json'))).toBe(false);
  });

  it('prefers --base-url to MODEL_BASE_URL, and installs a verified model', async () => {
    const mirror = await startMirror(caffejsFixture());
    mirrors.push(mirror);
    const dest = join(root, 'b');
    const r = await modelFetch(['--base-url', mirror.url.replace(/\/$/, ''), '--dest', dest, '--no-predictions'], {
      MODEL_BASE_URL: 'http://127.0.0.1:9/nothing/',
    });
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Installed BVLC GoogLeNet in ${dest}: 117 files downloaded, 0 resumed, 0 already here; weights sha256 ${BVLC_GOOGLENET_WEIGHTS_SHA256}.`,
    );
    expect(r.stderr).toMatch(/predict: top-5 check skipped/);
    expect(readModelFiles(dest).weightsSha256).toBe(BVLC_GOOGLENET_WEIGHTS_SHA256);

    const again = await modelFetch(['--base-url', mirror.url, '--dest', dest]);
    expect(again.stdout).toMatch(/already in .*--force rebuilds it/);
  });

  it('rejects a base URL that is not http(s)', async () => {
    const r = await modelFetch(['--base-url', 'ftp://example.org/caffejs', '--dest', join(root, 'c')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BAD_ARGUMENT.*uses ftp:; only http: and https: are supported/);
  });
});
