import { cpus } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../../errors/engine-error.js';
import { compileGraph, type CompileOptions, type GraphKind } from './compile.js';
import type { OnnxWeights } from './weights.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

/** `cuda` needs the CUDA EP binaries: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`. */
export type OrtProvider = 'cpu' | 'cuda';

export interface SessionSettings extends CompileOptions {
  provider?: OrtProvider;
  /** Intra-op threads; defaults to the core count. */
  threads?: number;
  optimizationLevel?: OptimizationLevel;
  /**
   * Let idle intra-op threads spin for work (ORT's default). Off here: on a shared 2-core
   * machine spinning threads fight the event loop and other jobs, and runs measured up to 3x
   * slower under load with it on (bench/executors.ts, `--spinning`).
   */
  spinning?: boolean;
}

export interface CompileTiming {
  kind: GraphKind;
  layer: string;
  /** Building the ONNX bytes from the network description. */
  buildMs: number;
  /** ORT parsing, optimising and initialising the session. */
  sessionMs: number;
  bytes: number;
}

/**
 * One ORT session per (kind, layer), compiled on first use. Graphs have a dynamic batch, so the
 * batch size is not part of the key. Concurrent first uses share one compile.
 */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<Ort.InferenceSession>>();
  readonly timings: CompileTiming[] = [];

  constructor(private readonly ort: typeof Ort, private readonly weights: OnnxWeights, private readonly settings: SessionSettings = {}) {}

  get(kind: GraphKind, layer: string): Promise<Ort.InferenceSession> {
    const key = `${kind}:${layer}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.compile(kind, layer);
      this.sessions.set(key, s);
      // A failed compile is not cached: the error reaches this caller, a later call retries.
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  private async compile(kind: GraphKind, layer: string) {
    const t0 = performance.now();
    const bytes = compileGraph(this.weights, kind, layer, this.settings);
    const t1 = performance.now();
    let session: Ort.InferenceSession;
    try {
      session = await this.ort.InferenceSession.create(bytes, {
        executionProviders: this.settings.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
        intraOpNumThreads: this.settings.threads ?? cpus().length,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: this.settings.optimizationLevel ?? 'all',
        extra: { session: { intra_op: { allow_spinning: this.settings.spinning ? '1' : '0' } } },
      });
    } catch (e) {
      throw new EngineError('BACKEND_UNAVAILABLE', `ONNX Runtime rejected the compiled ${kind} graph for ${layer}: ${(e as Error).message}`, { kind, layer });
    }
    this.timings.push({ kind, layer, buildMs: t1 - t0, sessionMs: performance.now() - t1, bytes: bytes.byteLength });
    return session;
  }

  async release() {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release();
  }
}
