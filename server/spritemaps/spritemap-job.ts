import { EngineError } from '../errors/engine-error.js';
import { FULL_PROFILE } from '../engine/feature-vis/profiles.js';
import { resolveLayer, type LayerInfo } from '../engine/layer-info.js';
import type { Engine } from '../engine/engine.js';
import type { SpriteMessage } from '../engine/sprite-requests.js';
import type { SpriteStore, SpritemapCell, SpritemapIndex } from './sprite-store.js';

/** The full profile: Lucid-like look at a cost this machine can pay (docs/spritemaps.md, bench/feature-vis.ts). */
export const DEFAULT_SIZE = FULL_PROFILE.size;
export const DEFAULT_STEPS = FULL_PROFILE.steps;
export const DEFAULT_SEED = 0;
export const DEFAULT_BATCH = FULL_PROFILE.batch;

export type SpritemapEngine = Pick<Engine, 'renderSprites' | 'composeSpritemap'>;

export interface SpritemapSettings {
  layer: string;
  size?: number;
  steps?: number;
  seed?: number;
  /** A subset of channels; all of the layer's by default. */
  channels?: number[];
  /** Grid columns; ceil(sqrt(channels of the layer)) by default, like the notebook's sprite_n_wrap. */
  columns?: number;
  batch?: number;
}

export interface SpritemapProgress {
  layer: string;
  done: number;
  total: number;
  elapsedSeconds: number;
  /** null until a sprite of this run has finished. */
  etaSeconds: number | null;
  /** The sprites finished since the last progress event. */
  latest: SpriteMessage[];
}

export interface Resolved {
  layer: string;
  size: number;
  steps: number;
  seed: number;
  channels: number[];
  columns: number;
  batch: number;
  layerChannels: number;
}

/** Checks settings before anything is queued: unknown layer, absurd size/steps, channels out of range. */
export function resolveSettings(s: SpritemapSettings, layers: readonly LayerInfo[]): Resolved {
  const info = resolveLayer([...layers], s.layer);
  const size = s.size ?? DEFAULT_SIZE;
  if (!Number.isInteger(size) || size < 32 || size > 512 || size % 2)
    throw new EngineError('BAD_ARGUMENT', `Sprite size must be an even integer from 32 to 512 px, got ${size}.`);
  const steps = s.steps ?? DEFAULT_STEPS;
  if (!Number.isInteger(steps) || steps < 1 || steps > 10_000)
    throw new EngineError('BAD_STEPS', `Steps must be an integer from 1 to 10000, got ${steps}.`);
  const channels = s.channels ?? Array.from({ length: info.channels }, (_, i) => i);
  const bad = channels.find((c) => !Number.isInteger(c) || c < 0 || c >= info.channels);
  if (bad !== undefined || channels.length === 0)
    throw new EngineError('BAD_ARGUMENT', `${s.layer} has channels 0..${info.channels - 1}; got ${bad ?? 'none'}.`);
  const columns = s.columns ?? Math.ceil(Math.sqrt(info.channels));
  if (!Number.isInteger(columns) || columns < 1 || columns > 1024)
    throw new EngineError('BAD_ARGUMENT', `Columns must be an integer from 1 to 1024, got ${columns}.`);
  const seed = s.seed ?? DEFAULT_SEED;
  const batch = s.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > 64)
    throw new EngineError('BAD_ARGUMENT', `Batch must be an integer from 1 to 64, got ${batch}.`);
  return {
    layer: info.name,
    size,
    steps,
    seed,
    channels: [...new Set(channels)].sort((a, b) => a - b),
    columns,
    batch,
    layerChannels: info.channels,
  };
}

/**
 * Renders the missing channels of a spritemap (in an engine worker), saving each sprite as it
 * arrives, then composes the grid PNG and its index. Cancelling (signal) keeps every finished
 * sprite; the next run with the same settings continues from there.
 */
export async function runSpritemap(
  engine: SpritemapEngine,
  settings: SpritemapSettings,
  layers: readonly LayerInfo[],
  hooks: {
    store: SpriteStore;
    signal?: AbortSignal;
    onProgress?: (p: SpritemapProgress) => void;
    /** Runs each batch's render (the API's render lane: one render at a time, by priority); directly by default. */
    schedule?: <T>(render: () => Promise<T>) => Promise<T>;
  },
): Promise<SpritemapIndex> {
  const r = resolveSettings(settings, layers);
  const { store } = hooks;
  const finished = store.finished(r);
  const todo = r.channels.filter((c) => !finished.has(c));
  let done = r.channels.length - todo.length;
  const started = performance.now();
  let renderedHere = 0;
  const progress = (latest: SpriteMessage[]) => {
    const elapsedSeconds = (performance.now() - started) / 1000;
    const rate = renderedHere / Math.max(elapsedSeconds, 1e-3);
    hooks.onProgress?.({
      layer: r.layer,
      done,
      total: r.channels.length,
      elapsedSeconds,
      etaSeconds: renderedHere ? (r.channels.length - done) / rate : null,
      latest,
    });
  };
  progress([]);
  const schedule = hooks.schedule ?? ((render) => render());
  for (let i = 0; i < todo.length; i += r.batch) {
    const channels = todo.slice(i, i + r.batch);
    await schedule(() =>
      engine.renderSprites(
        { layer: r.layer, channels, size: r.size, steps: r.steps, seed: r.seed, batch: r.batch },
        (sprite) => {
          store.save(r, sprite);
          done++;
          renderedHere++;
          progress([sprite]);
        },
        undefined,
        hooks.signal,
      ),
    );
  }
  return composeSpritemap(engine, r, store);
}

/** Composes the grid PNG and index of whatever sprites exist for these settings. */
export async function composeSpritemap(engine: SpritemapEngine, r: Resolved, store: SpriteStore): Promise<SpritemapIndex> {
  const have = store.finished(r);
  const last = Math.max(...have);
  const rows = Math.floor(last / r.columns) + 1;
  // Only the rows up to the last finished channel; cells keep the full layer's layout.
  const { width, height } = await engine.composeSpritemap(store.composeRequest(r, Math.min(r.layerChannels, rows * r.columns), r.columns));
  const cells: SpritemapCell[] = [...have]
    .sort((a, b) => a - b)
    .map((channel) => {
      const meta = store.readMeta(r, channel);
      return { channel, column: channel % r.columns, row: Math.floor(channel / r.columns), activation: meta?.activation ?? NaN };
    });
  const index: SpritemapIndex = {
    layer: r.layer,
    size: r.size,
    steps: r.steps,
    seed: r.seed,
    columns: r.columns,
    rows,
    width,
    height,
    channels: r.layerChannels,
    cells,
    missing: Array.from({ length: r.layerChannels }, (_, i) => i).filter((i) => !have.has(i)),
    image: `${r.layer}.png`,
    renderedAt: new Date().toISOString(),
  };
  store.writeIndex(index);
  return index;
}
