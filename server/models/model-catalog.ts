import { EngineError, isEngineError } from '../errors/engine-error.js';
import { ModelError } from '../errors/model-error.js';
import type { Engine, Models } from '../engine/engine.js';
import { modelKey, type ModelRef } from '../engine/model-ref.js';
import { builtinModel, MODEL_FILE, type ModelRegistry, type ModelUpload } from './model-registry.js';

/** What the catalog needs of the engine pool (the built-in model's engine): any model's engine, a model checked off the event loop, and unloading. */
export interface ModelEngines extends Engine {
  /** The model the workers were started with: for a server, the built-in one. */
  readonly defaultModel: ModelRef;
  forModel(model: ModelRef): Promise<Engine>;
  inspect(path: string): Promise<unknown>;
  forget(modelId: string): Promise<void>;
}

/** One listed model: its engine, or why it cannot be loaded (a broken folder someone copied into MODELS_DIR). */
export type ListedModel = { ref: ModelRef; engine: Engine; error?: never } | { ref: ModelRef; engine?: never; error: string };

/**
 * Every model's engine, by id: the registry's folders, loaded in the engine workers when first
 * asked for and described once per version of their files. Imports are checked in a worker (never
 * on the event loop) before they are moved into place.
 */
export class ModelCatalog implements Models {
  private readonly engines = new Map<string, Promise<Engine>>();
  private readonly removed: ((ref: ModelRef) => void)[] = [];

  constructor(
    readonly registry: ModelRegistry,
    private readonly pool: ModelEngines,
  ) {}

  /** The engine of model `id` (none: the built-in); UNKNOWN_MODEL lists the ids there are. */
  async engine(id?: string | null): Promise<Engine> {
    return this.engineOf(this.registry.resolve(id));
  }

  /** Every model, the built-in first; each is loaded (and described) once per version of its files. */
  async list(): Promise<ListedModel[]> {
    const refs = this.registry.list();
    this.dropMissing(refs);
    const out: ListedModel[] = [];
    // One at a time: loading many models at once would hold them all in memory together.
    for (const ref of refs) {
      try {
        out.push({ ref, engine: await this.engineOf(ref) });
      } catch (e) {
        out.push({ ref, error: (e as Error).message });
      }
    }
    return out;
  }

  /**
   * Stores an upload as a new model: written to a staging folder, checked by an engine worker as
   * loading it would, then moved into place in one rename. Any failure removes the staging folder.
   */
  async import(upload: ModelUpload, requestedId?: string | null): Promise<Engine> {
    const id = requestedId ?? this.registry.suggestId(upload.model.name);
    if (requestedId != null) this.registry.checkNewId(requestedId);
    const staged = await this.registry.stage(upload);
    try {
      await this.pool.inspect(staged).catch((e) => {
        throw badModel(e, staged, upload.model.name);
      });
      const ref = this.registry.commit(staged, id);
      return await this.engineOf(ref);
    } finally {
      await this.registry.discard(staged);
    }
  }

  /**
   * Deletes an imported model: refused for the built-in one, and while `inUse` says a job on it is
   * queued or running. Its files go first, then the workers unload it.
   */
  async remove(id: string, inUse: (id: string) => Promise<boolean>): Promise<ModelRef> {
    const ref = this.registry.resolve(id);
    if (ref.format === 'builtin') throw builtinModel();
    if (await inUse(ref.id)) {
      throw new ModelError(
        'MODEL_IN_USE',
        `A job on model "${ref.id}" is queued or running: cancel it or let it finish, then delete the model.`,
        { id: ref.id },
      );
    }
    await this.registry.remove(ref.id);
    this.engines.delete(modelKey(ref));
    await this.pool.forget(ref.id);
    for (const listener of this.removed) listener(ref);
    return ref;
  }

  /** Hears each model deleted here, after its files are gone (to drop what was kept for it). */
  onRemoved(listener: (ref: ModelRef) => void) {
    this.removed.push(listener);
  }

  private engineOf(ref: ModelRef): Promise<Engine> {
    if (ref.format === 'builtin') return Promise.resolve(this.pool);
    const key = modelKey(ref);
    let engine = this.engines.get(key);
    if (!engine) {
      engine = this.pool.forModel(ref).catch((e) => {
        this.engines.delete(key);
        throw badModel(e, ref.path, ref.id);
      });
      this.engines.set(key, engine);
    }
    return engine;
  }

  /** Forgets the engines of models whose files are gone or changed. */
  private dropMissing(refs: ModelRef[]) {
    const live = new Set(refs.map(modelKey));
    for (const key of this.engines.keys()) if (!live.has(key)) this.engines.delete(key);
  }
}

/**
 * A model the engine refused, as BAD_MODEL with the engine's own sentence. Paths inside the
 * server (the staging folder) are replaced by the file's name: the client needs no more.
 */
function badModel(e: unknown, path: string, name: string): Error {
  const message = (e as Error)?.message ?? String(e);
  const clean = message.split(`${path}/${MODEL_FILE}`).join(name).split(path).join(name);
  if (isEngineError(e) && e.code === 'CANCELLED') return e;
  return new EngineError('BAD_MODEL', isEngineError(e) ? clean : `The model cannot be loaded: ${clean}`);
}
