import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpriteStore, type SpritemapIndex } from '../../../server/spritemaps/sprite-store.js';

const set = { layer: 'mixed4d', size: 96, steps: 256, seed: 0 };
const sprite = (channel: number) => ({ channel, png: new Uint8Array([channel, 1, 2]), activation: 2.5, startActivation: 0.1 });

describe('SpriteStore', () => {
  it('keeps the layout earlier DATA_DIRs were written in, so their sprites are still found', () => {
    const root = mkdtempSync(join(tmpdir(), 'sprite-store-'));
    const store = new SpriteStore(root);
    expect(store.spritePath(set, 42)).toBe(join(root, 'spritemaps/work/mixed4d-96px-256steps-seed0/sprites/0042.png'));
    expect(store.spritemapPath({ layer: 'mixed4d' }, 'png')).toBe(join(root, 'spritemaps/mixed4d.png'));
    expect(store.spritemapPath({ layer: 'mixed4d' }, 'json')).toBe(join(root, 'spritemaps/mixed4d.json'));
    // A sprite written by hand where an older version put it.
    mkdirSync(join(root, 'spritemaps/work/mixed4d-96px-256steps-seed0/sprites'), { recursive: true });
    writeFileSync(join(root, 'spritemaps/work/mixed4d-96px-256steps-seed0/sprites/0007.png'), 'png');
    expect(store.has(set, 7)).toBe(true);
    expect(store.finished(set)).toEqual(new Set([7]));
  });

  it('saves sprites with their activations and reads them back; what was never written reads as absent', () => {
    const store = new SpriteStore(mkdtempSync(join(tmpdir(), 'sprite-store-')));
    expect(store.finished(set)).toEqual(new Set());
    expect(store.readSprite(set, 3)).toBeNull();
    expect(store.readMeta(set, 3)).toBeNull();
    store.save(set, sprite(3));
    store.save(set, sprite(12));
    expect(store.finished(set)).toEqual(new Set([3, 12]));
    expect([...store.readSprite(set, 3)!]).toEqual([3, 1, 2]);
    expect(store.readMeta(set, 12)).toEqual({ activation: 2.5, startActivation: 0.1 });
    // Another setting of the same layer is another set.
    expect(store.finished({ ...set, steps: 128 })).toEqual(new Set());
  });

  it('writes and reads the layer index; the compose request names every cell of the grid', () => {
    const store = new SpriteStore(mkdtempSync(join(tmpdir(), 'sprite-store-')));
    expect(store.readIndex({ layer: 'mixed4d' })).toBeNull();
    expect(store.readSpritemap({ layer: 'mixed4d' }, 'png')).toBeNull();
    const index = { layer: 'mixed4d', size: 96, steps: 256, seed: 0, columns: 2, rows: 1, cells: [] } as unknown as SpritemapIndex;
    store.writeIndex(index);
    expect(store.readIndex({ layer: 'mixed4d' })).toEqual(index);
    expect(JSON.parse(store.readSpritemap({ layer: 'mixed4d' }, 'json')!.toString())).toEqual(index);
    const req = store.composeRequest(set, 3, 2);
    expect(req).toEqual({
      sprites: [0, 1, 2].map((n) => store.spritePath(set, n)),
      columns: 2,
      size: 96,
      output: store.spritemapPath(set, 'png'),
    });
  });
});
