import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../../errors/engine-error.js';
import type { CompileOptions, GraphKind, GraphSource } from './compile.js';
import { nchwcBlockSize, sameOutputs, sampleFeeds, sinkNchwcReorders } from './nchwc-rewrite.js';
import { OptimizedGraphCache, type GraphIdentity } from './optimized-graph-cache.js';
import { DEFAULT_SPIN_US, type OrtProvider } from '../executor-settings.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

export interface SessionSettings extends CompileOptions {
  provider?: OrtProvider;
  /** Intra-op threads; defaults to the core count. */
  threads?: number;
  optimizationLevel?: OptimizationLevel;
  /**
   * How idle intra-op threads wait for the next op: `false` sleeps at once, `true` spins as long
   * as ORT likes, a number spins at most that many microseconds (DEFAULT_SPIN_US). Sleeping
   * costs a wake-up at every op boundary (~500 ops a call); ORT's own spin made a step ~25%
   * faster on a quiet 2-core machine but 2-4x slower beside other busy processes. A bounded spin
   * covers the gaps between ops and stops soon after a call: under a load average of ~20 it cost
   * 2% CPU at 100 us against 19% at 1000 us and 54% for ORT's own.
   */
  spinning?: boolean | number;
  /**
   * Rewrite ORT's optimized graph to keep its NCHWc layout through the backward ops
   * (nchwc-sinking.ts; on by default, checked bit for bit against ORT's own graph). Off: ORT's
   * graph as it optimized it, for comparisons.
   */
  keepNchwc?: boolean;
  /** How many layers keep their sessions compiled (CACHED_LAYERS by default). */
  cachedLayers?: number;
  /**
   * Folder for ORT's optimized graphs, shared by every process (optimized-graph-cache.ts);
   * unset: every graph is built and optimized in memory. CPU provider only.
   */
  cacheDir?: string;
}

export interface CompileTiming {
  kind: GraphKind;
  layer: string;
  /** Building the ONNX bytes from the network description (0 when loaded from the cache). */
  buildMs: number;
  /** ORT parsing, optimising and initialising the session (loading and initialising, from the cache). */
  sessionMs: number;
  bytes: number;
  /** Whether the optimized graph came from the on-disk cache. */
  cached: boolean;
  /**
   * When built now: the NCHWc rewrite of ORT's optimized graph (nchwc-sinking.ts), if it was
   * kept: ops moved onto NCHWc tensors, and reorder nodes before and after.
   */
  nchwc?: { moved: number; reordersBefore: number; reordersAfter: number };
}

/**
 * Layers whose sessions stay compiled. Each session keeps its own ORT memory arena at its peak
 * (~150-400 MB for a gradient graph at batch 10), so caching every layer grew past 1.9 GB;
 * recompiling a layer costs ~0.5 s. Turning the arena off instead made steps 2.5x slower.
 */
export const CACHED_LAYERS = 2;

/** ORT's session config for a spinning setting. */
export function spinConfig(spinning: boolean | number | undefined): Record<string, string> {
  const s = spinning ?? DEFAULT_SPIN_US;
  if (s === false || s === 0) return { allow_spinning: '0' };
  if (s === true) return { allow_spinning: '1' };
  return { allow_spinning: '1', spin_duration_us: String(Math.round(s)) };
}

interface Entry {
  layer: string;
  session: Promise<Ort.InferenceSession>;
  inFlight: number;
  evicted: boolean;
}

/**
 * ORT sessions per (kind, layer), compiled on first use, for the CACHED_LAYERS most recently
 * used layers (the whole-image logits graph is always kept). Graphs have a dynamic batch, so
 * the batch size is not part of the key. Concurrent first uses share one compile, and a session
 * is released only once no run is using it.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Least recently used first. */
  private readonly layers: string[] = [];
  readonly timings: CompileTiming[] = [];
  private readonly disk?: OptimizedGraphCache;

  constructor(
    private readonly ort: typeof Ort,
    private readonly source: GraphSource,
    private readonly settings: SessionSettings = {},
  ) {
    if (settings.cacheDir && (settings.provider ?? 'cpu') === 'cpu') this.disk = new OptimizedGraphCache(settings.cacheDir);
  }

  async run(kind: GraphKind, layer: string, feeds: Record<string, Ort.Tensor>): Promise<Ort.InferenceSession.ReturnType> {
    const e = this.entry(kind, layer);
    e.inFlight++;
    try {
      return await (await e.session).run(feeds);
    } finally {
      e.inFlight--;
      if (e.evicted && e.inFlight === 0) dispose(e);
    }
  }

  /** Compiles a graph ahead of its first run. */
  async prepare(kind: GraphKind, layer: string): Promise<void> {
    await this.entry(kind, layer).session;
  }

  private entry(kind: GraphKind, layer: string): Entry {
    const key = `${kind}:${layer}`;
    // A multi-layer activations graph runs once per image, between the layers' own graphs: it
    // would push them out of the layer LRU. It stays aside instead, the latest one only.
    if (kind === 'activations' && layer.includes(',')) this.keepOnlyLayerSet(key);
    else if (kind !== 'image-logits') this.touch(layer);
    let e = this.entries.get(key);
    if (!e) {
      e = { layer, session: this.compile(kind, layer), inFlight: 0, evicted: false };
      this.entries.set(key, e);
      const created = e;
      // A failed compile is not cached: the error reaches this caller, a later call retries.
      created.session.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    return e;
  }

  private keepOnlyLayerSet(key: string) {
    for (const [k, e] of this.entries) {
      if (k === key || !k.startsWith('activations:') || !e.layer.includes(',')) continue;
      this.entries.delete(k);
      e.evicted = true;
      if (e.inFlight === 0) dispose(e);
    }
  }

  private touch(layer: string) {
    const i = this.layers.indexOf(layer);
    if (i >= 0) this.layers.splice(i, 1);
    this.layers.push(layer);
    const limit = Math.max(1, this.settings.cachedLayers ?? CACHED_LAYERS);
    while (this.layers.length > limit) {
      const old = this.layers.shift()!;
      for (const [key, e] of this.entries) {
        if (e.layer !== old || key.startsWith('image-logits:')) continue;
        this.entries.delete(key);
        e.evicted = true;
        if (e.inFlight === 0) dispose(e);
      }
    }
  }

  private sessionOptions(optimization: OptimizationLevel, optimizedModelFilePath?: string): Ort.InferenceSession.SessionOptions {
    return {
      executionProviders: this.settings.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      intraOpNumThreads: this.settings.threads ?? cpus().length,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // No memory pattern: with it ORT plans each new input shape over two slow runs (the second
      // allocating the planned block afresh), which a job with a 2-step first chunk, full
      // batches and a remainder paid three times; the arena alone reaches its steady pace on
      // the second run at any shape, and keeps ~150 MB less at batch 10.
      enableMemPattern: false,
      graphOptimizationLevel: optimization,
      // ORT warns on stderr that a saved NCHWc graph is CPU-specific: the cache key has the CPU in it.
      logSeverityLevel: 3,
      ...(optimizedModelFilePath ? { optimizedModelFilePath } : {}),
      extra: { session: { intra_op: spinConfig(this.settings.spinning) } },
    };
  }

  private identity(kind: GraphKind, layer: string): GraphIdentity {
    const s = this.settings;
    return {
      ...this.source.identity,
      kind,
      layer,
      settings: {
        convGrad: s.convGrad ?? null,
        poolGrad: s.poolGrad ?? null,
        optimization: s.optimizationLevel ?? 'all',
        keepNchwc: s.keepNchwc ?? true,
        provider: s.provider ?? 'cpu',
      },
      ortVersion: this.ort.env.versions?.node ?? 'unknown',
    };
  }

  private async compile(kind: GraphKind, layer: string) {
    const optimization = this.settings.optimizationLevel ?? 'all';
    const id = this.identity(kind, layer);
    const cached = this.disk?.lookup(id);
    if (cached) {
      const t0 = performance.now();
      try {
        // Already optimized: loading it at level `all` would run every optimizer over it again.
        const session = await this.ort.InferenceSession.create(cached, this.sessionOptions('disabled'));
        this.timings.push({ kind, layer, buildMs: 0, sessionMs: performance.now() - t0, bytes: statSync(cached).size, cached: true });
        return session;
      } catch {
        this.disk!.discard(id);
      }
    }
    const t0 = performance.now();
    const bytes = this.source.compile(kind, layer, this.settings);
    const t1 = performance.now();
    // ORT writes its optimized graph here (the cache's scratch file, or a temporary one), where
    // the NCHWc rewrite reads it.
    const layout =
      (this.settings.keepNchwc ?? true) &&
      (this.settings.provider ?? 'cpu') === 'cpu' &&
      (optimization === 'all' || optimization === 'layout');
    const temp = !this.disk && layout ? mkdtempSync(join(tmpdir(), 'ort-optimized-')) : undefined;
    const scratch = this.disk?.scratchPath(id) ?? (temp ? join(temp, 'optimized.onnx') : undefined);
    let session: Ort.InferenceSession;
    let nchwc: CompileTiming['nchwc'];
    try {
      session = await this.ort.InferenceSession.create(bytes, this.sessionOptions(optimization, scratch));
      if (layout && scratch) ({ session, nchwc } = await this.keepNchwc(session, scratch));
    } catch (e) {
      if (scratch) rmSync(scratch, { force: true });
      throw new EngineError(
        'BACKEND_UNAVAILABLE',
        `ONNX Runtime rejected the compiled ${kind} graph for ${layer}: ${(e as Error).message}`,
        { kind, layer },
      );
    } finally {
      if (temp) rmSync(temp, { recursive: true, force: true });
    }
    if (scratch && this.disk) this.disk.commit(id, scratch);
    this.timings.push({ kind, layer, buildMs: t1 - t0, sessionMs: performance.now() - t1, bytes: bytes.byteLength, cached: false, nchwc });
    return session;
  }

  /**
   * Rewrites ORT's optimized graph at `file` to keep its NCHWc layout through the ops ORT's own
   * pass leaves in NCHW (nchwc-sinking.ts). The rewritten graph replaces the file and the
   * session only if it gives the same outputs, bit for bit, on sample inputs; otherwise ORT's
   * own graph stays.
   */
  private async keepNchwc(
    session: Ort.InferenceSession,
    file: string,
  ): Promise<{ session: Ort.InferenceSession; nchwc?: CompileTiming['nchwc'] }> {
    const block = await nchwcBlockSize(this.ort);
    if (!block) return { session };
    const rewritten = sinkNchwcReorders(new Uint8Array(readFileSync(file)), block);
    const feeds = rewritten && sampleFeeds(this.ort, session);
    if (!rewritten || !feeds) return { session };
    let candidate: Ort.InferenceSession | undefined;
    try {
      candidate = await this.ort.InferenceSession.create(rewritten.bytes, this.sessionOptions('disabled'));
      if (await sameOutputs(session, candidate, feeds)) {
        writeFileSync(file, rewritten.bytes);
        await session.release();
        const { moved, reordersBefore, reordersAfter } = rewritten;
        return { session: candidate, nchwc: { moved, reordersBefore, reordersAfter } };
      }
    } catch {
      // ORT refused the rewritten graph: keep its own.
    }
    await candidate?.release();
    return { session };
  }

  /** Releases every session; one still running is released when its run ends. */
  release() {
    for (const e of this.entries.values()) {
      e.evicted = true;
      if (e.inFlight === 0) dispose(e);
    }
    this.entries.clear();
    this.layers.length = 0;
  }

  /** Compiled sessions now held, as `kind:layer` keys (for tests and diagnostics). */
  get keys(): string[] {
    return [...this.entries.keys()];
  }
}

function dispose(e: Entry) {
  e.session.then(
    (s) => s.release(),
    () => {},
  );
}
