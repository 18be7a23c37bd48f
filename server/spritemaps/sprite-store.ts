import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ComposeRequest, SpriteMessage } from '../engine/sprite-requests.js';
import { writeAtomic } from '../write-atomic.js';

/** Names what belongs to one layer as a whole: its latest composed spritemap. */
export interface LayerKey {
  layer: string;
}

/** A layer name as a file name: an imported layer may be named by its tensor (`/layer1/Relu_output_0`), never a path. */
const fileName = (layer: string) => layer.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * Names one set of sprites: a layer's channels rendered at one size, step count and seed. A
 * render with the same key finds the sprites already finished and renders only the rest, which
 * is what makes spritemaps resumable and lets the on-demand sprites and `npm run spritemaps`
 * share their work.
 */
export interface SpriteSetKey extends LayerKey {
  size: number;
  steps: number;
  seed: number;
}

export interface SpritemapCell {
  channel: number;
  column: number;
  row: number;
  /** Mean activation (after the ReLU) of the channel on its sprite. */
  activation: number;
}

/** The JSON index beside each grid PNG. */
export interface SpritemapIndex {
  layer: string;
  size: number;
  steps: number;
  seed: number;
  columns: number;
  rows: number;
  width: number;
  height: number;
  /** Channels in the layer; cell of channel n: column n % columns, row floor(n / columns). */
  channels: number;
  cells: SpritemapCell[];
  /** Channels of the layer with no sprite yet. */
  missing: number[];
  image: string;
  renderedAt: string;
}

/** What is kept beside a sprite: the channel's mean activation on it, at the end and at the start of the render. */
export interface SpriteMeta {
  activation: number;
  startActivation: number;
}

/**
 * The channel visualizations under DATA_DIR, and the one place that knows how they are laid out:
 *
 *     spritemaps/<layer>.png, <layer>.json      the layer's latest composed grid and its index
 *     spritemaps/work/<layer>-<size>px-<steps>steps-seed<seed>/sprites/
 *         0042.png, 0042.json                   channel 42's sprite and its activations
 *
 * Every path is built from a key (LayerKey, SpriteSetKey), so a new dimension of the layout
 * (the model a sprite was rendered from) is one more key field and a change here only.
 * Writes are atomic: a crash never leaves a half file that looks finished.
 */
export class SpriteStore {
  constructor(readonly root: string) {}

  private get base() {
    return join(this.root, 'spritemaps');
  }

  private spriteDir(k: SpriteSetKey) {
    return join(this.base, 'work', `${fileName(k.layer)}-${k.size}px-${k.steps}steps-seed${k.seed}`, 'sprites');
  }

  /** The PNG of one channel's sprite (it may not exist yet). */
  spritePath(k: SpriteSetKey, channel: number) {
    return join(this.spriteDir(k), `${String(channel).padStart(4, '0')}.png`);
  }

  private metaPath(k: SpriteSetKey, channel: number) {
    return this.spritePath(k, channel).replace(/\.png$/, '.json');
  }

  /** The layer's latest composed grid (`png`) or its index (`json`). */
  spritemapPath(k: LayerKey, kind: 'png' | 'json') {
    return join(this.base, `${fileName(k.layer)}.${kind}`);
  }

  /** Channels whose sprite exists in this set. */
  finished(k: SpriteSetKey): Set<number> {
    const dir = this.spriteDir(k);
    if (!existsSync(dir)) return new Set();
    return new Set(
      readdirSync(dir)
        .filter((f) => /^\d+\.png$/.test(f))
        .map((f) => Number(f.slice(0, -4))),
    );
  }

  has(k: SpriteSetKey, channel: number): boolean {
    return existsSync(this.spritePath(k, channel));
  }

  /** A sprite's PNG bytes, or null when it has not been rendered. */
  readSprite(k: SpriteSetKey, channel: number): Buffer<ArrayBuffer> | null {
    return readIfExists(this.spritePath(k, channel));
  }

  /** A sprite's activations, or null when none were saved. */
  readMeta(k: SpriteSetKey, channel: number): SpriteMeta | null {
    const bytes = readIfExists(this.metaPath(k, channel));
    return bytes ? (JSON.parse(bytes.toString('utf8')) as SpriteMeta) : null;
  }

  /** Saves one finished sprite as it arrives: its activations, then the PNG (whose presence marks it finished). */
  save(k: SpriteSetKey, sprite: SpriteMessage) {
    mkdirSync(this.spriteDir(k), { recursive: true });
    const meta: SpriteMeta = { activation: sprite.activation, startActivation: sprite.startActivation };
    writeAtomic(this.metaPath(k, sprite.channel), JSON.stringify(meta));
    writeAtomic(this.spritePath(k, sprite.channel), sprite.png);
  }

  /** What an engine worker needs to lay this set's channels 0..channels-1 out as the layer's grid PNG. */
  composeRequest(k: SpriteSetKey, channels: number, columns: number): ComposeRequest {
    mkdirSync(this.base, { recursive: true });
    return {
      sprites: Array.from({ length: channels }, (_, n) => this.spritePath(k, n)),
      columns,
      size: k.size,
      output: this.spritemapPath(k, 'png'),
    };
  }

  /** The latest composed index of a layer, or null. */
  readIndex(k: LayerKey): SpritemapIndex | null {
    const bytes = readIfExists(this.spritemapPath(k, 'json'));
    return bytes ? (JSON.parse(bytes.toString('utf8')) as SpritemapIndex) : null;
  }

  writeIndex(index: SpritemapIndex) {
    mkdirSync(dirname(this.spritemapPath(index, 'json')), { recursive: true });
    writeAtomic(this.spritemapPath(index, 'json'), JSON.stringify(index));
  }

  /** The layer's latest grid PNG or index as bytes, or null when none was composed. */
  readSpritemap(k: LayerKey, kind: 'png' | 'json'): Buffer<ArrayBuffer> | null {
    return readIfExists(this.spritemapPath(k, kind));
  }
}

function readIfExists(path: string): Buffer<ArrayBuffer> | null {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Under DATA_DIR: each imported model's sprites and spritemaps, in a folder of its own. */
export const MODEL_DATA_DIR = 'model-data';

/**
 * Where a model's sprite files live: the built-in model's in DATA_DIR itself (as they always
 * were); an imported one's in DATA_DIR/model-data/<name>-<sha256 prefix>, so that the API and
 * `npm run spritemaps -- --model` find each other's renders of the same file, and two models'
 * channels never share a folder (a model imported again with other weights gets a new one).
 */
export function modelFilesRoot(dataDir: string, model: { name: string; source: { kind: string; sha256?: string } }): string {
  if (model.source.kind !== 'imported' || !model.source.sha256) return dataDir;
  return join(dataDir, MODEL_DATA_DIR, `${model.name}-${model.source.sha256.slice(0, 12)}`);
}
