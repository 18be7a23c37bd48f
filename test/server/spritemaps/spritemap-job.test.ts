import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { runSpritemap, type SpritemapEngine } from '../../../server/spritemaps/spritemap-job.js';
import { SpriteStore } from '../../../server/spritemaps/sprite-store.js';
import type { RenderSpritesRequest } from '../../../server/engine/sprite-requests.js';
import { sharedPoolWithRoots } from '../helpers/test-server.js';

describe('spritemap job', () => {
  const files = sharedPoolWithRoots('spritemaps-');
  const freshStore = () => new SpriteStore(files.freshRoot());

  /** The pool, recording what it was asked to render. */
  const recording = () => {
    const requests: RenderSpritesRequest[] = [];
    const engine: SpritemapEngine = {
      renderSprites: (req, onSprite, onStep, signal) => {
        requests.push(req);
        return files.pool.renderSprites(req, onSprite, onStep, signal);
      },
      composeSpritemap: (req) => files.pool.composeSpritemap(req),
    };
    return { engine, requests };
  };

  it('lays sprites out row-major in a grid of the given columns, with an index of cells', async () => {
    const store = freshStore();
    const settings = { layer: 'mixed3a', size: 32, steps: 2, channels: [0, 1, 2, 4], columns: 3 };
    const index = await runSpritemap(files.pool, settings, files.pool.info.layers, { store });
    expect(index).toMatchObject({ layer: 'mixed3a', size: 32, steps: 2, columns: 3, rows: 2, width: 96, height: 64, channels: 256 });
    expect(index.cells.map((c) => [c.channel, c.column, c.row])).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [2, 2, 0],
      [4, 1, 1],
    ]);
    expect(index.missing).toContain(3);
    expect(index.missing.length).toBe(252);
    expect(store.readIndex({ layer: 'mixed3a' })).toEqual(index);

    const set = { layer: 'mixed3a', size: 32, steps: 2, seed: 0 };
    const grid = PNG.sync.read(readFileSync(store.spritemapPath(set, 'png')));
    expect([grid.width, grid.height]).toEqual([96, 64]);
    // Oracle: each sprite file's pixels, found at its cell; channel 3's cell (0, 1) stays white.
    for (const cell of index.cells) {
      const sprite = PNG.sync.read(readFileSync(store.spritePath(set, cell.channel)));
      for (const [x, y] of [
        [0, 0],
        [31, 31],
        [7, 20],
      ]) {
        const g = ((cell.row * 32 + y) * 96 + cell.column * 32 + x) * 4;
        const s = (y * 32 + x) * 4;
        expect([...grid.data.subarray(g, g + 3)]).toEqual([...sprite.data.subarray(s, s + 3)]);
      }
    }
    expect([...grid.data.subarray((32 * 96 + 5) * 4, (32 * 96 + 5) * 4 + 3)]).toEqual([255, 255, 255]);
  });

  it('a cancelled render keeps its finished sprites and a rerun renders only the rest, as an uninterrupted run would', async () => {
    const store = freshStore();
    const settings = { layer: 'mixed3a', size: 32, steps: 3, channels: [0, 1, 2, 3, 4, 5], batch: 2 };
    const ctl = new AbortController();
    const first = recording();
    const progress: number[] = [];
    await expect(
      runSpritemap(first.engine, settings, files.pool.info.layers, {
        store,
        signal: ctl.signal,
        onProgress: (p) => {
          progress.push(p.done);
          if (p.done === 2) ctl.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    const set = { layer: 'mixed3a', size: 32, steps: 3, seed: 0 };
    const saved = store.finished(set);
    expect(saved.size).toBeGreaterThanOrEqual(2);
    expect(saved.size).toBeLessThan(6);

    const second = recording();
    const etas: (number | null)[] = [];
    const index = await runSpritemap(second.engine, settings, files.pool.info.layers, {
      store,
      onProgress: (p) => etas.push(p.etaSeconds),
    });
    // One request per batch (each can wait its turn in the API's render lane), only for what is missing.
    expect(second.requests.every((r) => r.channels.length <= 2)).toBe(true);
    expect(second.requests.flatMap((r) => r.channels)).toEqual([0, 1, 2, 3, 4, 5].filter((c) => !saved.has(c)));
    expect(index.cells.map((c) => c.channel)).toEqual([0, 1, 2, 3, 4, 5]);
    // Progress starts from what was saved; an ETA once a sprite of this run is done.
    expect(etas[0]).toBeNull();
    expect(etas.at(-1)).toBe(0);

    const fresh = freshStore();
    await runSpritemap(files.pool, settings, files.pool.info.layers, { store: fresh });
    for (const c of [0, 5]) {
      const a = PNG.sync.read(readFileSync(store.spritePath(set, c))).data;
      const b = PNG.sync.read(readFileSync(fresh.spritePath(set, c))).data;
      expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)).toBeLessThanOrEqual(1);
    }
  });

  it('refuses bad settings before rendering anything', async () => {
    const { engine, requests } = recording();
    const run = (s: object) => runSpritemap(engine, { layer: 'mixed3a', ...s }, files.pool.info.layers, { store: freshStore() });
    await expect(run({ layer: 'conv2d0' })).rejects.toMatchObject({ code: 'UNKNOWN_LAYER' });
    await expect(run({ size: 33 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(run({ steps: 0 })).rejects.toMatchObject({ code: 'BAD_STEPS' });
    await expect(run({ channels: [256] })).rejects.toThrow(/0\.\.255/);
    expect(requests.length).toBe(0);
  });
});
