import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../errors/engine-error.js';
import type { Network } from '../network/network.js';
import {
  evaluateScore,
  type Executor,
  type GradientBatch,
  type LayerGradientBatch,
  type LayerPreparation,
  type ScoreSpec,
  type ScoreTerm,
} from './executor.js';
import { layerPairKey, layerSetKey, type GraphKind } from './onnx-compiler/compile.js';
import { SessionCache, type CompileTiming, type SessionSettings } from './onnx-compiler/session-cache.js';
import { OnnxWeights } from './onnx-compiler/weights.js';

/**
 * Runs the network description on ONNX Runtime (CPU execution provider). Each graph (forward,
 * or forward plus the hand-derived backward) is compiled from the description in memory and
 * kept per (kind, layer) with a dynamic batch; with `cacheDir`, ORT's optimized graph is also
 * saved there and later processes load it instead of compiling (optimized-graph-cache.ts).
 *
 * ORT runs `session.run` on its own threads, off the event loop. Never `terminate()` a worker
 * thread while a run is in flight: that aborts the whole process (DESIGN.md). Cancel between calls.
 */
export class OnnxExecutor implements Executor {
  readonly backend: string;
  private readonly sessions: SessionCache;

  private constructor(
    private readonly ort: typeof Ort,
    readonly network: Network,
    settings: SessionSettings,
  ) {
    this.backend = `onnxruntime-${settings.provider ?? 'cpu'}`;
    this.sessions = new SessionCache(ort, new OnnxWeights(network), settings);
  }

  /** Loads onnxruntime-node and checks that its native binding runs; BACKEND_UNAVAILABLE if not. */
  static async create(network: Network, settings: SessionSettings = {}): Promise<OnnxExecutor> {
    let ort: typeof Ort;
    try {
      ort = await import('onnxruntime-node');
      await selfCheck(ort, settings.provider ?? 'cpu');
    } catch (e) {
      const hint =
        settings.provider === 'cuda'
          ? 'install the CUDA execution provider (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js) on a machine with CUDA 12, or unset ENGINE_ORT_PROVIDER'
          : 'use the tfjs backend (--backend tfjs or ENGINE_BACKEND=tfjs)';
      throw new EngineError(
        'BACKEND_UNAVAILABLE',
        `onnxruntime-node (${settings.provider ?? 'cpu'}) does not load here (${(e as Error).message}); ${hint}.`,
      );
    }
    return new OnnxExecutor(ort, network, settings);
  }

  /** Compile times so far (bytes built, then the ORT session), one entry per graph. */
  get compileTimings(): readonly CompileTiming[] {
    return this.sessions.timings;
  }

  /** Compiles a graph ahead of its first use (e.g. at job start, off the critical path). */
  prepare(kind: GraphKind, layer: string): Promise<void> {
    return this.sessions.prepare(kind, layer);
  }

  /** The three graphs an attribution at `layer` runs, in the order it runs them. */
  async prepareLayer(layer: string): Promise<LayerPreparation> {
    this.layerShape(layer);
    const before = this.sessions.timings.length;
    for (const kind of ['activations', 'logits', 'gradient'] as const) await this.sessions.prepare(kind, layer);
    const made = this.sessions.timings.slice(before).filter((t) => t.layer === layer);
    return {
      compileMs: made.reduce((s, t) => s + t.buildMs + t.sessionMs, 0),
      graphs: made.length,
      fromCache: made.filter((t) => t.cached).length,
    };
  }

  /** The graphs compiled now, as `kind:layer`. */
  get compiledGraphs(): string[] {
    return this.sessions.keys;
  }

  private layerShape(layer: string) {
    const s = this.network.byName.get(layer)?.shape;
    if (!s || s.length !== 3) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
    return s;
  }

  private actsTensor(layer: string, acts: Float32Array, batch: number) {
    const [h, w, c] = this.layerShape(layer);
    if (!Number.isInteger(batch) || batch < 1 || acts.length !== batch * h * w * c) {
      throw new EngineError('BAD_ARGUMENT', `Activations for ${layer} must hold ${batch}x${h}x${w}x${c} values, got ${acts.length}.`);
    }
    return new this.ort.Tensor('float32', acts, [batch, h, w, c]);
  }

  private imageTensor(image: Float32Array) {
    const s = this.network.inputSize;
    if (image.length !== s * s * 3)
      throw new EngineError('BAD_IMAGE', `An image must be ${s}x${s}x3 float values (RGB 0..255), got ${image.length} values.`);
    return new this.ort.Tensor('float32', image, [1, s, s, 3]);
  }

  private run(kind: GraphKind, layer: string, feeds: Record<string, Ort.Tensor>) {
    return this.sessions.run(kind, layer, feeds);
  }

  async activations(image: Float32Array, layer: string): Promise<Float32Array> {
    this.layerShape(layer);
    const out = await this.run('activations', layer, { image: this.imageTensor(image) });
    return out.acts.data as Float32Array;
  }

  async activationsOf(image: Float32Array, layers: readonly string[]): Promise<Float32Array[]> {
    for (const layer of layers) this.layerShape(layer);
    if (layers.length === 1) return [await this.activations(image, layers[0])];
    const out = await this.run('activations', layerSetKey(layers), { image: this.imageTensor(image) });
    return layers.map((_l, i) => out[`acts${i}`].data as Float32Array);
  }

  async logits(layer: string, acts: Float32Array, batch: number): Promise<Float32Array> {
    const out = await this.run('logits', layer, { acts: this.actsTensor(layer, acts, batch) });
    return out.logits.data as Float32Array;
  }

  async imageLogits(image: Float32Array): Promise<Float32Array> {
    const out = await this.run('image-logits', this.network.logitsNode, { image: this.imageTensor(image) });
    return out.logits.data as Float32Array;
  }

  async gradients(layer: string, acts: Float32Array, batch: number, score: ScoreSpec): Promise<GradientBatch> {
    const classes = this.network.byName.get(this.network.logitsNode)!.shape[0];
    const { weights, lse } = scoreCoefficients(score, classes);
    const out = await this.run('gradient', layer, {
      acts: this.actsTensor(layer, acts, batch),
      score_weights: new this.ort.Tensor('float32', weights, [classes]),
      lse_weight: new this.ort.Tensor('float32', new Float32Array([lse]), [1]),
    });
    const logits = out.logits.data as Float32Array;
    const scores = new Float32Array(batch);
    for (let b = 0; b < batch; b++) scores[b] = evaluateScore(score, logits, b * classes, classes);
    return { grads: out.grad.data as Float32Array, scores };
  }

  async layerGradients(from: string, to: string, acts: Float32Array, seeds: Float32Array, batch: number): Promise<LayerGradientBatch> {
    const out = await this.run('layer-gradient', layerPairKey(from, to), {
      acts: this.actsTensor(from, acts, batch),
      seed: this.actsTensor(to, seeds, batch),
    });
    return { grads: out.grad.data as Float32Array, later: out.later.data as Float32Array };
  }

  dispose() {
    this.sessions.release();
  }
}

/**
 * The gradient graph's score inputs: dScore/dlogits = weights + lse * softmax(logits). A class
 * term adds +-1 at its index, a logsumexp term +-1 to `lse`, none adds nothing.
 */
export function scoreCoefficients(score: ScoreSpec, classes: number): { weights: Float32Array; lse: number } {
  const weights = new Float32Array(classes);
  let lse = 0;
  const add = (t: ScoreTerm, sign: number) => {
    if (t.kind === 'class') {
      if (!Number.isInteger(t.index) || t.index < 0 || t.index >= classes) {
        throw new EngineError('UNKNOWN_CLASS', `Class index ${t.index} is out of range: use 0..${classes - 1}.`);
      }
      weights[t.index] += sign;
    } else if (t.kind === 'logsumexp') lse += sign;
  };
  add(score.class1, 1);
  add(score.class2, -1);
  return { weights, lse };
}

/** Runs a one-node graph, so a broken native binding or provider fails here and not mid-job. */
async function selfCheck(ort: typeof Ort, provider: string) {
  const { GraphBuilder } = await import('./onnx-compiler/graph-builder.js');
  const b = new GraphBuilder('self_check');
  b.output(b.op1('Relu', [b.input('x', [2])], {}, 'y'), [2]);
  const session = await ort.InferenceSession.create(b.toBytes(), {
    executionProviders: [provider],
    intraOpNumThreads: 1,
    logSeverityLevel: 4,
  });
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([-1, 2]), [2]) });
  await session.release();
  const y = out.y.data as Float32Array;
  if (y[0] !== 0 || y[1] !== 2) throw new Error(`self-check gave [${Array.from(y)}], expected [0, 2]`);
}
