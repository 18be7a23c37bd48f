import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../../errors/engine-error.js';
import { layerShape, resolveLayer } from '../layer-info.js';
import type { ModelDescription } from '../model-description.js';
import { describeBuiltin, type Network } from '../network/network.js';
import {
  evaluateScore,
  type Executor,
  type GradientBatch,
  type LayerGradientBatch,
  type LayerPreparation,
  type ScoreSpec,
  type ScoreTerm,
} from './executor.js';
import { builtinGraphs, layerPairKey, layerSetKey, type GraphKind, type GraphSource } from './onnx-compiler/compile.js';
import { SessionCache, type CompileTiming, type SessionSettings } from './onnx-compiler/session-cache.js';
import { OnnxWeights } from './onnx-compiler/weights.js';

/**
 * Runs a model's compiled ONNX graphs on ONNX Runtime (CPU execution provider): the graphs
 * (forward, or forward plus the hand-derived backward) come from a GraphSource and are kept per
 * (kind, layer) with a dynamic batch; with `cacheDir`, ORT's optimized graph is also saved there
 * and later processes load it instead of compiling (optimized-graph-cache.ts). The built-in
 * network (OnnxExecutor) and imported ONNX models (ImportedOnnxExecutor) share all of this.
 *
 * ORT runs `session.run` on its own threads, off the event loop. Never `terminate()` a worker
 * thread while a run is in flight: ONNX Runtime's native threads are torn down under it and the whole
 * process aborts (SIGABRT). Cancel between calls.
 */
export abstract class OrtExecutor implements Executor {
  readonly backend: string;
  protected readonly sessions: SessionCache;

  protected constructor(
    protected readonly ort: typeof Ort,
    readonly model: ModelDescription,
    source: GraphSource,
    /** Logits per image. */
    protected readonly classes: number,
    settings: SessionSettings,
    /** Items per session run: 1 where the graph cannot take a batch (each item then runs alone). */
    private readonly maxBatch = Infinity,
  ) {
    this.backend = `onnxruntime-${settings.provider ?? 'cpu'}`;
    this.sessions = new SessionCache(ort, source, settings);
  }

  /** Loads onnxruntime-node and checks that its native binding runs; BACKEND_UNAVAILABLE if not. */
  protected static async loadOrt(settings: SessionSettings): Promise<typeof Ort> {
    try {
      const ort = await import('onnxruntime-node');
      await selfCheck(ort, settings.provider ?? 'cpu');
      return ort;
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
  }

  /** Compile times so far (bytes built, then the ORT session), one entry per graph. */
  get compileTimings(): readonly CompileTiming[] {
    return this.sessions.timings;
  }

  /** Compiles a graph ahead of its first use (e.g. at job start, off the critical path). */
  prepare(kind: GraphKind, layer: string): Promise<void> {
    const key =
      kind === 'layer-gradient' || kind === 'image-logits'
        ? layer
        : kind === 'activations'
          ? layerSetKey(layer.split(',').map((l) => this.layerName(l)))
          : this.layerName(layer);
    return this.sessions.prepare(kind, key);
  }

  /** The graphs an attribution at `layer` runs, in the order it runs them (its end scores come with the first gradient call). */
  async prepareLayer(layerIn: string): Promise<LayerPreparation> {
    const layer = this.layerName(layerIn);
    const before = this.sessions.timings.length;
    for (const kind of ['activations', 'gradient'] as const) await this.sessions.prepare(kind, layer);
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

  /** The layer's own name (a request may use an alias or tensor name): one session per layer. */
  private layerName(layer: string): string {
    return resolveLayer(this.model.layers, layer).name;
  }

  private actsTensor(layer: string, acts: Float32Array, batch: number) {
    const [h, w, c] = layerShape(this.model.layers, layer);
    if (!Number.isInteger(batch) || batch < 1 || acts.length !== batch * h * w * c) {
      throw new EngineError('BAD_ARGUMENT', `Activations for ${layer} must hold ${batch}x${h}x${w}x${c} values, got ${acts.length}.`);
    }
    return new this.ort.Tensor('float32', acts, [batch, h, w, c]);
  }

  private imageTensor(image: Float32Array) {
    const s = this.model.inputSize;
    if (image.length !== s * s * 3)
      throw new EngineError('BAD_IMAGE', `An image must be ${s}x${s}x3 float values (RGB 0..255), got ${image.length} values.`);
    return new this.ort.Tensor('float32', image, [1, s, s, 3]);
  }

  private run(kind: GraphKind, layer: string, feeds: Record<string, Ort.Tensor>) {
    return this.sessions.run(kind, layer, feeds);
  }

  /**
   * Runs `one` on items [start, start + count) at a time, at most maxBatch per run, and joins each
   * output's items in order.
   */
  private async batched<K extends string>(
    batch: number,
    one: (start: number, count: number) => Promise<Record<K, Float32Array>>,
  ): Promise<Record<K, Float32Array>> {
    if (batch <= this.maxBatch) return one(0, batch);
    const parts: Record<K, Float32Array>[] = [];
    for (let start = 0; start < batch; start += this.maxBatch) parts.push(await one(start, Math.min(this.maxBatch, batch - start)));
    const out = {} as Record<K, Float32Array>;
    for (const key of Object.keys(parts[0]) as K[]) {
      const joined = new Float32Array(parts.reduce((n, p) => n + p[key].length, 0));
      parts.reduce((at, p) => (joined.set(p[key], at), at + p[key].length), 0);
      out[key] = joined;
    }
    return out;
  }

  async activations(image: Float32Array, layerIn: string): Promise<Float32Array> {
    const layer = this.layerName(layerIn);
    const out = await this.run('activations', layer, { image: this.imageTensor(image) });
    return out.acts.data as Float32Array;
  }

  async activationsOf(image: Float32Array, layersIn: readonly string[]): Promise<Float32Array[]> {
    const layers = layersIn.map((l) => this.layerName(l));
    if (layers.length === 1) return [await this.activations(image, layers[0])];
    const out = await this.run('activations', layerSetKey(layers), { image: this.imageTensor(image) });
    return layers.map((_l, i) => out[`acts${i}`].data as Float32Array);
  }

  async logits(layerIn: string, acts: Float32Array, batch: number): Promise<Float32Array> {
    const layer = this.layerName(layerIn);
    this.actsTensor(layer, acts, batch);
    const per = acts.length / batch;
    const { logits } = await this.batched(batch, async (start, count) => {
      const out = await this.run('logits', layer, {
        acts: this.actsTensor(layer, acts.subarray(start * per, (start + count) * per), count),
      });
      return { logits: out.logits.data as Float32Array };
    });
    return logits;
  }

  async imageLogits(image: Float32Array): Promise<Float32Array> {
    const out = await this.run('image-logits', this.logitsKey, { image: this.imageTensor(image) });
    return out.logits.data as Float32Array;
  }

  /** The session key of the whole-image logits graph. */
  protected abstract readonly logitsKey: string;

  async gradients(layerIn: string, acts: Float32Array, batch: number, score: ScoreSpec): Promise<GradientBatch> {
    const layer = this.layerName(layerIn);
    const classes = this.classes;
    const { weights, lse } = scoreCoefficients(score, classes);
    this.actsTensor(layer, acts, batch);
    const per = acts.length / batch;
    const { grad, logits } = await this.batched(batch, async (start, count) => {
      const out = await this.run('gradient', layer, {
        acts: this.actsTensor(layer, acts.subarray(start * per, (start + count) * per), count),
        score_weights: new this.ort.Tensor('float32', weights, [classes]),
        lse_weight: new this.ort.Tensor('float32', new Float32Array([lse]), [1]),
      });
      return { grad: out.grad.data as Float32Array, logits: out.logits.data as Float32Array };
    });
    const scores = new Float32Array(batch);
    for (let b = 0; b < batch; b++) scores[b] = evaluateScore(score, logits, b * classes, classes);
    return { grads: grad, scores };
  }

  async layerGradients(fromIn: string, toIn: string, acts: Float32Array, seeds: Float32Array, batch: number): Promise<LayerGradientBatch> {
    const [from, to] = [this.layerName(fromIn), this.layerName(toIn)];
    this.actsTensor(from, acts, batch);
    this.actsTensor(to, seeds, batch);
    const [pa, ps] = [acts.length / batch, seeds.length / batch];
    const { grad, later } = await this.batched(batch, async (start, count) => {
      const out = await this.run('layer-gradient', layerPairKey(from, to), {
        acts: this.actsTensor(from, acts.subarray(start * pa, (start + count) * pa), count),
        seed: this.actsTensor(to, seeds.subarray(start * ps, (start + count) * ps), count),
      });
      return { grad: out.grad.data as Float32Array, later: out.later.data as Float32Array };
    });
    return { grads: grad, later };
  }

  dispose() {
    this.sessions.release();
  }
}

/** The built-in network on ONNX Runtime: its graphs compiled from the TF.js graph description. */
export class OnnxExecutor extends OrtExecutor {
  protected readonly logitsKey: string;

  private constructor(
    ort: typeof Ort,
    readonly network: Network,
    settings: SessionSettings,
  ) {
    super(
      ort,
      describeBuiltin(network),
      builtinGraphs(new OnnxWeights(network)),
      network.byName.get(network.logitsNode)!.shape[0],
      settings,
    );
    this.logitsKey = network.logitsNode;
  }

  static async create(network: Network, settings: SessionSettings = {}): Promise<OnnxExecutor> {
    return new OnnxExecutor(await OrtExecutor.loadOrt(settings), network, settings);
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
  // Without the CUDA provider's library, ORT writes its failure to load it on stderr from native
  // code before the error reaches us: look for the library first, and say so in one sentence.
  if (provider === 'cuda' && !hasCudaProvider()) {
    throw new Error("the CUDA execution provider's library (onnxruntime_providers_cuda) is not installed beside onnxruntime-node");
  }
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

/** Whether onnxruntime-node's binary folder holds the CUDA execution provider's library. */
function hasCudaProvider(): boolean {
  const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
  if (!existsSync(bin)) return false;
  return (readdirSync(bin, { recursive: true }) as string[]).some((f) => /onnxruntime_providers_cuda\.(so|dll)$/.test(f));
}
