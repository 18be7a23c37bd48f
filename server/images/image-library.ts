import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Engine, Prediction } from '../engine/engine.js';
import { PromiseCache } from '../promise-cache.js';
import { readImageHeader } from './image-header.js';

export interface StoredImage {
  id: string;
  /** File name: the example's, or the one given at upload. */
  name: string | null;
  source: 'EXAMPLE' | 'UPLOAD';
  mime: string;
  width: number;
  height: number;
  byteLength: number;
  createdAt: Date;
}

/** Decoded 224x224 inputs kept for reuse (about 0.6 MB each): jobs, predictions and compareMethods share them. */
const PIXEL_CACHE_SIZE = 16;
/** Prediction lists are small; keep more of them. */
const PREDICTION_CACHE_SIZE = 256;
const EXAMPLE_PREFIX = 'example-';
const UPLOAD_PREFIX = 'upload-';

/**
 * Images by id: the examples beside the model (read-only, never copied) and uploads under
 * DATA_DIR/images. An upload's id is a hash of its bytes, so uploading the same file twice gives
 * the same image.
 */
export class ImageLibrary {
  private readonly uploadsDir: string;
  private readonly examplesById = new Map<string, { file: string; image: StoredImage }>();
  private readonly pixelCache = new PromiseCache<Float32Array>(PIXEL_CACHE_SIZE);
  private readonly predictionCache = new PromiseCache<Prediction[]>(PREDICTION_CACHE_SIZE);

  constructor(
    private readonly engine: Engine,
    opts: { dataDir: string; examplesDir: string | null },
  ) {
    this.uploadsDir = join(opts.dataDir, 'images');
    mkdirSync(this.uploadsDir, { recursive: true });
    if (opts.examplesDir && existsSync(opts.examplesDir)) this.scanExamples(opts.examplesDir);
  }

  /** Reads only headers: the examples are listed without decoding them. */
  private scanExamples(dir: string) {
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(png|jpe?g)$/i.test(name)) continue;
      const file = join(dir, name);
      const bytes = readFileSync(file);
      try {
        const header = readImageHeader(bytes);
        const id = EXAMPLE_PREFIX + basename(name, extname(name)).replace(/[^A-Za-z0-9_-]/g, '_');
        this.examplesById.set(id, {
          file,
          image: { id, name, source: 'EXAMPLE', ...header, byteLength: bytes.length, createdAt: new Date(0) },
        });
      } catch {
        // Not an image we can read: not an example.
      }
    }
  }

  examples(): StoredImage[] {
    return [...this.examplesById.values()].map((e) => e.image);
  }

  get(id: string): StoredImage | null {
    const example = this.examplesById.get(id);
    if (example) return example.image;
    if (!isUploadId(id)) return null;
    const meta = join(this.uploadsDir, `${id}.json`);
    if (!existsSync(meta)) return null;
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    return { ...m, createdAt: new Date(m.createdAt) };
  }

  bytes(id: string): { bytes: Buffer; mime: string } | null {
    const image = this.get(id);
    if (!image) return null;
    const example = this.examplesById.get(id);
    const file = example ? example.file : join(this.uploadsDir, `${id}.bin`);
    return { bytes: readFileSync(file), mime: image.mime };
  }

  /** Checks the header here, then decodes in a worker (BAD_IMAGE if it does not decode), then stores. */
  async upload(bytes: Uint8Array, name: string | null): Promise<StoredImage> {
    const header = readImageHeader(bytes);
    const id = UPLOAD_PREFIX + createHash('sha256').update(bytes).digest('hex').slice(0, 24);
    const existing = this.get(id);
    if (existing) return existing;
    const decoded = this.engine.decodeImage(bytes).then((d) => d.pixels);
    await decoded;
    this.pixelCache.set(id, decoded);
    const image: StoredImage = { id, name, source: 'UPLOAD', ...header, byteLength: bytes.length, createdAt: new Date() };
    writeFileSync(join(this.uploadsDir, `${id}.bin`), bytes);
    writeFileSync(join(this.uploadsDir, `${id}.json`), JSON.stringify(image));
    return image;
  }

  /**
   * A model's input (for the built-in one 224x224x3, RGB 0..255), decoded once in a worker and
   * cached per model: models differ in input size. `engine`: the model's (default: the built-in).
   */
  pixels(id: string, engine: Engine = this.engine): Promise<Float32Array> {
    const key = engine === this.engine ? id : `${id}:${engine.info.key}`;
    return this.pixelCache.get(key, () => {
      const file = this.bytes(id);
      if (!file) return Promise.reject(new Error(`No image ${id}.`));
      return engine.decodeImage(file.bytes).then((d) => d.pixels);
    });
  }

  /** Top predictions of a model (default: the built-in), cached per image, model and count. */
  predictions(id: string, top: number, engine: Engine = this.engine): Promise<Prediction[]> {
    return this.predictionCache.get(`${id}:${engine.info.key}:${top}`, () => this.pixels(id, engine).then((px) => engine.predict(px, top)));
  }
}

const isUploadId = (id: string) => new RegExp(`^${UPLOAD_PREFIX}[0-9a-f]{24}$`).test(id);
