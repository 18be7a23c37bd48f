import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TfjsExecutor } from '../../../server/engine/executors/tfjs.js';
import {
  BVLC_GOOGLENET_WEIGHTS_SHA256,
  locateModelDir,
  modelCandidates,
  readModelFiles,
} from '../../../server/engine/network/model-source.js';
import { loadNetwork } from '../../../server/engine/network/network.js';
import { loadManifest } from '../../../server/model-fetch/caffejs-manifest.js';
import { fetchModel, type FetchModelOptions } from '../../../server/model-fetch/fetch-model.js';
import { IMAGES, MODEL_DIR, REPO_ROOT, image224, wasmExecutor } from '../../helpers/fixtures.js';
import { caffejsFixture, startMirror, type Mirror, type MirrorFaults } from './caffejs-mirror.js';

const m = loadManifest();
const W = m.source.weightsDir;
const MIDDLE = `${W}inception_4c/3x3_filter.bin`;
const BIGGEST = `${W}loss3/classifier_filter.bin`;

let root: string;
let dest: string;
const mirrors: Mirror[] = [];
const serve = async (faults: MirrorFaults = {}) => {
  const mirror = await startMirror(caffejsFixture(), faults);
  mirrors.push(mirror);
  return mirror;
};
const fetchFrom = (mirror: Mirror, extra: Partial<FetchModelOptions> = {}) =>
  fetchModel({ baseUrl: mirror.url, dest, imagesDir: null, retryDelayMs: 10, ...extra });

/** Nothing the engine could load: no model.json at dest, and no leftover staging folder beside it. */
function expectNoLoadableModel() {
  expect(existsSync(join(dest, 'model.json'))).toBe(false);
  expect(() => locateModelDir(dest)).toThrow(/npm run model:fetch/);
  expect(readdirSync(root).filter((n) => n.includes('staging') || n.includes('.old-'))).toEqual([]);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'model-fetch-'));
  dest = join(root, 'googlenet-bvlc');
});
afterEach(async () => {
  for (const mirror of mirrors.splice(0)) await mirror.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('fetchModel against a local caffejs mirror', () => {
  it('leaves nothing loadable when a file in the middle answers 404', async () => {
    const mirror = await serve({ notFound: [MIDDLE] });
    const err = await fetchFrom(mirror, { concurrency: 1 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(err.message).toContain(`GET ${mirror.url}${MIDDLE} answered 404`);
    expectNoLoadableModel();
  });

  it('leaves nothing loadable when a file has the wrong checksum, and deletes that file', async () => {
    const mirror = await serve({ corrupt: [MIDDLE] });
    const err = await fetchFrom(mirror).catch((e) => e);
    expect(err).toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    expect(err.message).toContain(MIDDLE);
    expectNoLoadableModel();
    expect(existsSync(join(root, '.cache', `caffejs-${m.source.commit.slice(0, 12)}`, MIDDLE))).toBe(false);
  });

  it('leaves nothing loadable after a truncated download, then resumes it with Range on the next run', async () => {
    const cutting = await serve({ cut: [{ path: BIGGEST, afterBytes: 1_500_000, times: 99 }] });
    const err = await fetchFrom(cutting, { retries: 1 }).catch((e) => e);
    expect(err).toMatchObject({ code: 'DOWNLOAD_TRUNCATED' });
    expect(err.message).toContain(BIGGEST);
    expectNoLoadableModel();

    // The earlier runs fetched everything else; only the partial file is asked for, from where it stopped.
    const healthy = await serve();
    const result = await fetchFrom(healthy);
    expect(result.status).toBe('installed');
    expect(healthy.requests.length).toBe(1);
    expect(healthy.requests[0]).toMatchObject({ path: BIGGEST, status: 206 });
    expect(healthy.requests[0].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(result.downloads).toMatchObject({ resumed: 1, downloaded: 0, cached: m.files.length - 1 });
    expect(readModelFiles(dest).weightsSha256).toBe(BVLC_GOOGLENET_WEIGHTS_SHA256);
    // Downloads are cleaned up once the model is installed.
    expect(readdirSync(root)).toEqual(['googlenet-bvlc']);
  });

  it('keeps an installed model when a forced rebuild fails', async () => {
    const mirror = await serve({ notFound: [MIDDLE] });
    await expect(fetchFrom(mirror, { force: true })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
    expect(readModelFiles(dest).weightsSha256).toBe(BVLC_GOOGLENET_WEIGHTS_SHA256);
    rmSync(join(root, '.cache'), { recursive: true, force: true });
  });

  it('rebuilds a damaged install, and then reports it installed without downloading', async () => {
    truncateSync(join(dest, 'group1-shard5of9.bin'), 1000);
    const mirror = await serve();
    expect((await fetchFrom(mirror)).status).toBe('installed');
    expect(readModelFiles(dest).weightsSha256).toBe(BVLC_GOOGLENET_WEIGHTS_SHA256);
    const again = await serve();
    expect((await fetchFrom(again)).status).toBe('already-installed');
    expect(again.requests).toEqual([]);
  });

  it('with --force fetches, converts bit for bit, and predicts what PROVENANCE.md says', async () => {
    const mirror = await serve();
    const result = await fetchFrom(mirror, {
      force: true,
      imagesDir: join(IMAGES, '224'),
      predictionImages: ['dog_cat_composite', 'fruits'],
    });
    expect(result).toMatchObject({
      status: 'installed',
      weightsSha256: BVLC_GOOGLENET_WEIGHTS_SHA256,
      downloads: { downloaded: m.files.length },
    });
    for (const name of readdirSync(MODEL_DIR).filter((n) => n !== 'model.json' && n !== 'PROVENANCE.md')) {
      expect(readFileSync(join(dest, name)).equals(readFileSync(join(MODEL_DIR, name))), name).toBe(true);
    }
    const ours = JSON.parse(readFileSync(join(dest, 'model.json'), 'utf8'));
    const theirs = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));
    expect(ours.modelTopology).toEqual(theirs.modelTopology);
    expect(ours.weightsManifest).toEqual(theirs.weightsManifest);
    expect(result.predictions.map((p) => p.image)).toEqual(['dog_cat_composite.png', 'fruits.png']);

    // Independently of the verifier: the engine on the fetched folder, against the shared one.
    const fetched = await TfjsExecutor.create(loadNetwork(dest), 'wasm');
    const reference = await wasmExecutor();
    try {
      for (const [image, cls, percent] of [
        ['dog_cat_composite', 154, 77.0],
        ['fruits', 951, 97.6],
      ] as const) {
        const logits = await fetched.imageLogits(image224(image));
        expect(Array.from(logits)).toEqual(Array.from(await reference.imageLogits(image224(image))));
        const max = Math.max(...logits);
        const sum = logits.reduce((s, v) => s + Math.exp(v - max), 0);
        expect(logits.indexOf(max)).toBe(cls);
        expect(100 / sum).toBeCloseTo(percent, 1);
      }
    } finally {
      fetched.dispose();
    }
  });
});

describe('the default destination', () => {
  it('is the repo models folder the engine looks in second, and git ignores it', () => {
    const fetched = modelCandidates('/x')[1];
    expect(relative(REPO_ROOT, fetched)).toBe(join('models', 'googlenet-bvlc'));
    for (const p of [
      'models/googlenet-bvlc/model.json',
      'models/.cache/caffejs-x/a.bin',
      'models/.googlenet-bvlc.staging-1-2/model.json',
    ]) {
      expect(() => execFileSync('git', ['check-ignore', '-q', p], { cwd: REPO_ROOT })).not.toThrow();
    }
  });
});
