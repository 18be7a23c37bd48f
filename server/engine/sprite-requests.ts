import type { DatasetExample } from './dataset-examples.js';

/** What a worker renders: `channels` of `layer`, in batches of `batch`, each sprite sent when done. */
export interface RenderSpritesRequest {
  layer: string;
  channels: number[];
  size: number;
  steps: number;
  seed: number;
  /** Channels optimized together per batch (one ORT run per step serves the batch). */
  batch: number;
}

/** One finished channel visualization, as it crosses from the worker. */
export interface SpriteMessage {
  channel: number;
  /** PNG bytes, size x size RGB. */
  png: Uint8Array;
  activation: number;
  startActivation: number;
}

/** Lay sprite files out as one grid PNG (row-major, channel n at column n % columns). */
export interface ComposeRequest {
  /** Channel n's sprite file at index n; a cell whose file does not exist stays white. */
  sprites: string[];
  columns: number;
  size: number;
  /** Where the grid PNG goes (written atomically). */
  output: string;
}

/** What composing wrote: the grid's size, and the channels with no sprite file yet. */
export interface ComposedSpritemap {
  width: number;
  height: number;
  missing: number[];
}

export interface ExamplesRequest {
  layer: string;
  /** Example images by id: their file bytes, decoded (centre-crop, resize) by the worker. */
  images: { id: string; bytes: Uint8Array }[];
  perChannel: number;
}

export type ChannelExamples = DatasetExample[][];
