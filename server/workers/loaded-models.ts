import { modelKey, type ModelRef } from '../engine/model-ref.js';

/** What a worker keeps of a loaded model; `dispose` frees its sessions and buffers. */
export interface Disposable {
  dispose(): Promise<void> | void;
}

interface Entry<T extends Disposable> {
  ref: ModelRef;
  loading: Promise<T>;
  /** Requests using the model now: it is never unloaded under them. */
  users: number;
}

/**
 * The models an engine worker holds, at most `capacity` of them, least recently used out. Each
 * model's compiled sessions and weights cost memory (tens to hundreds of MB), so a worker serving
 * many models keeps only those in use; a model asked for again is loaded again (its optimized
 * graphs come from the on-disk cache). A model that requests are using is never unloaded: the
 * worker goes over capacity until they finish.
 */
export class LoadedModels<T extends Disposable> {
  /** In use order: the least recently used first. */
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly capacity: number,
    private readonly load: (ref: ModelRef) => Promise<T>,
  ) {}

  /** Runs `work` with the model loaded, keeping it loaded meanwhile. */
  async use<R>(ref: ModelRef, work: (model: T) => Promise<R> | R): Promise<R> {
    const key = modelKey(ref);
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      entry = { ref, loading: this.load(ref), users: 0 };
      // A model that failed to load is not kept: the next request tries again.
      entry.loading.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    this.entries.set(key, entry);
    entry.users++;
    try {
      const model = await entry.loading;
      return await work(model);
    } finally {
      entry.users--;
      this.evict();
    }
  }

  /** Unloads every version of model `id` not in use (after a delete); ones in use go when their requests end. */
  forget(id: string) {
    for (const [key, e] of this.entries) if (e.ref.id === id && e.users === 0) this.drop(key, e);
  }

  /** The keys of the models loaded now, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  private evict() {
    let over = this.entries.size - this.capacity;
    for (const [key, e] of this.entries) {
      if (over <= 0) break;
      if (e.users > 0) continue;
      this.drop(key, e);
      over--;
    }
  }

  private drop(key: string, e: Entry<T>) {
    this.entries.delete(key);
    void e.loading.then(
      (m) => m.dispose(),
      () => undefined,
    );
  }

  async close() {
    for (const [key, e] of [...this.entries]) this.drop(key, e);
  }
}
