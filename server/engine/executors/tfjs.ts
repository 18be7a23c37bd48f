import { EngineError } from '../../errors/engine-error.js';
import { assertAttributionLayer, cutAt, describeBuiltin, subgraph, type GraphNode, type Network } from '../network/network.js';
import type { ModelDescription } from '../model-description.js';
import { maxPoolGradFirstMax } from './max-pool-grad.js';
import { initTf, tf, type Tf, type TfBackendName } from './tfjs-backend.js';
import {
  evaluateScore,
  scoreLogitGradient,
  type Executor,
  type GradientBatch,
  type LayerGradientBatch,
  type ScoreSpec,
} from './executor.js';

type T4 = Tf.Tensor4D;

/**
 * Runs the network description with TensorFlow.js, with a hand-written backward pass.
 * `tf.grad` is not used: on wasm its Conv2DBackpropInput is ~10x slower than a forward conv, and
 * its MaxPoolGrad (tfjs 4.22) sends ties to the last maximum and drops windows whose maximum is
 * <= 0, which changes the alpha = 0 step of every path, where every window is a tie. Here conv input-gradients are forward convs with flipped, transposed kernels and
 * max-pool gradients go to the first maximum of each window, as TensorFlow's CPU kernel does.
 */
export class TfjsExecutor implements Executor {
  private readonly params = new Map<string, Tf.Tensor>();
  private readonly flipped = new Map<string, Tf.Tensor4D>();
  readonly model: ModelDescription;

  private constructor(
    readonly network: Network,
    readonly backend: string,
  ) {
    this.model = describeBuiltin(network);
    for (const [name, t] of network.weights) {
      this.params.set(name, tf.tensor(t.data, t.shape, t.data instanceof Int32Array ? 'int32' : 'float32'));
    }
  }

  static async create(network: Network, backend: TfBackendName = 'wasm') {
    const name = await initTf(backend);
    return new TfjsExecutor(network, name);
  }

  private layerShape(layer: string) {
    const s = this.network.byName.get(layer)?.shape;
    if (!s) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}".`);
    return s;
  }

  /** Forward through `nodes`, keeping every intermediate value the backward pass needs (public for feature-vis's tf.grad). */
  forward(nodes: GraphNode[], feeds: Map<string, Tf.Tensor>): Map<string, Tf.Tensor> {
    const v = new Map(feeds);
    const p = (n: GraphNode, i = 0) => this.params.get(n.params[i])!;
    for (const n of nodes) {
      const x = v.get(n.inputs[0])!;
      let y: Tf.Tensor;
      switch (n.op) {
        case 'Sub':
          y = tf.sub(x, p(n));
          break;
        case 'Pad': {
          const pads = Array.from(p(n).dataSync());
          y = tf.pad(x, [
            [pads[0], pads[1]],
            [pads[2], pads[3]],
            [pads[4], pads[5]],
            [pads[6], pads[7]],
          ]);
          break;
        }
        case 'Conv2D':
          y = tf.conv2d(x as T4, p(n) as Tf.Tensor4D, n.attrs.strides!, n.attrs.padding!.toLowerCase() as 'same' | 'valid');
          break;
        case 'BiasAdd':
          y = tf.add(x, p(n));
          break;
        case 'Relu':
          y = tf.relu(x);
          break;
        case 'MaxPool':
          y = tf.maxPool(x as T4, n.attrs.kernel!, n.attrs.strides!, n.attrs.padding!.toLowerCase() as 'same' | 'valid');
          break;
        case 'AvgPool':
          y = tf.avgPool(x as T4, n.attrs.kernel!, n.attrs.strides!, n.attrs.padding!.toLowerCase() as 'same' | 'valid');
          break;
        case 'LRN':
          y = tf.localResponseNormalization(x as T4, n.attrs.depthRadius, n.attrs.bias, n.attrs.alpha, n.attrs.beta);
          break;
        case 'ConcatV2':
          y = tf.concat(
            n.inputs.map((i) => v.get(i)!),
            -1,
          );
          break;
        case 'Reshape':
          y = tf.reshape(x, [x.shape[0], -1]);
          break;
        case 'MatMul':
          y = tf.matMul(x as Tf.Tensor2D, p(n) as Tf.Tensor2D);
          break;
        case 'Softmax':
          y = tf.softmax(x);
          break;
        default:
          throw new EngineError('MODEL_CORRUPT', `Op ${n.op} cannot run in the TensorFlow.js executor.`);
      }
      v.set(n.name, y);
    }
    return v;
  }

  private flippedKernel(n: GraphNode): Tf.Tensor4D {
    let k = this.flipped.get(n.name);
    if (!k) {
      // [kh,kw,ci,co] -> rotate 180 degrees spatially, swap ci/co: the input-gradient of a stride-1 SAME conv.
      k = tf.tidy(() => tf.reverse(tf.transpose(this.params.get(n.params[0])!, [0, 1, 3, 2]), [0, 1]) as Tf.Tensor4D);
      this.flipped.set(n.name, tf.keep(k));
    }
    return k;
  }

  private maxPoolGrad(n: GraphNode, x: T4, dy: T4): T4 {
    const [B, H, W, C] = x.shape;
    const dx = maxPoolGradFirstMax(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, {
      batch: B,
      height: H,
      width: W,
      channels: C,
      kernel: n.attrs.kernel!,
      strides: n.attrs.strides!,
      padding: n.attrs.padding!,
    });
    return tf.tensor4d(dx, x.shape);
  }

  /** Backward from the gradient at `top` (dScore/dlogits, or a seed at a later layer) to `layer`, through `nodes` in reverse. */
  private backward(
    nodes: GraphNode[],
    v: Map<string, Tf.Tensor>,
    layer: string,
    dTop: Tf.Tensor,
    top = this.network.logitsNode,
  ): Tf.Tensor {
    const grads = new Map<string, Tf.Tensor>([[top, dTop]]);
    const accumulate = (name: string, g: Tf.Tensor) => {
      const prev = grads.get(name);
      grads.set(name, prev ? tf.add(prev, g) : g);
    };
    for (let k = nodes.length - 1; k >= 0; k--) {
      const n = nodes[k];
      const dy = grads.get(n.name);
      if (!dy) continue;
      const x = v.get(n.inputs[0])!;
      switch (n.op) {
        case 'BiasAdd':
          accumulate(n.inputs[0], dy);
          break;
        case 'MatMul':
          accumulate(n.inputs[0], tf.matMul(dy as Tf.Tensor2D, this.params.get(n.params[0]) as Tf.Tensor2D, false, true));
          break;
        case 'Reshape':
          accumulate(n.inputs[0], tf.reshape(dy, x.shape));
          break;
        case 'AvgPool': {
          const [, H, W] = x.shape;
          if (n.shape[0] !== 1 || n.shape[1] !== 1 || n.attrs.kernel![0] !== H || n.attrs.kernel![1] !== W) {
            throw new EngineError(
              'MODEL_CORRUPT',
              `AvgPool ${n.name} is not a global pool; the TensorFlow.js backward handles only that case.`,
            );
          }
          accumulate(n.inputs[0], tf.mul(tf.broadcastTo(dy, x.shape), 1 / (H! * W!)));
          break;
        }
        case 'Relu':
          accumulate(n.inputs[0], tf.where(tf.greater(v.get(n.name)!, 0), dy, tf.zerosLike(dy)));
          break;
        case 'Conv2D': {
          const [sh, sw] = n.attrs.strides!;
          const [kh, kw] = this.network.weights.get(n.params[0])!.shape;
          if (sh !== 1 || sw !== 1 || n.attrs.padding !== 'SAME' || kh % 2 === 0 || kw % 2 === 0) {
            throw new EngineError(
              'UNKNOWN_LAYER',
              `Conv ${n.name} (stride ${sh}, ${n.attrs.padding}) has no hand-written backward; attribute at mixed3a or later.`,
            );
          }
          accumulate(n.inputs[0], tf.conv2d(dy as T4, this.flippedKernel(n), 1, 'same'));
          break;
        }
        case 'MaxPool':
          accumulate(n.inputs[0], this.maxPoolGrad(n, x as T4, dy as T4));
          break;
        case 'ConcatV2': {
          let offset = 0;
          for (const input of n.inputs) {
            const c = v.get(input)!.shape[3]!;
            accumulate(input, tf.slice(dy, [0, 0, 0, offset], [-1, -1, -1, c]));
            offset += c;
          }
          break;
        }
        default:
          throw new EngineError('UNKNOWN_LAYER', `No backward for op ${n.op} (${n.name}); attribute at mixed3a or later.`);
      }
    }
    const g = grads.get(layer);
    if (!g) throw new EngineError('UNKNOWN_LAYER', `Layer ${layer} does not reach ${top}.`);
    return g;
  }

  private feedLayer(layer: string, acts: Float32Array, batch: number) {
    const [h, w, c] = this.layerShape(layer);
    if (acts.length !== batch * h * w * c) {
      throw new EngineError('BAD_ARGUMENT', `Activations for ${layer} must hold ${batch}x${h}x${w}x${c} values, got ${acts.length}.`);
    }
    return tf.tensor4d(acts, [batch, h, w, c]);
  }

  /** Runs the network from the input image to `output` and downloads that one tensor. */
  private async fromImage(image: Float32Array, output: string): Promise<Float32Array> {
    const nodes = subgraph(this.network, 'input', output);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, this.network.inputSize, this.network.inputSize, 3]);
      return this.forward(nodes, new Map([['input', x]])).get(output)!;
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  activations(image: Float32Array, layer: string): Promise<Float32Array> {
    return this.fromImage(image, layer);
  }

  async activationsOf(image: Float32Array, layers: readonly string[]): Promise<Float32Array[]> {
    for (const layer of layers) this.layerShape(layer);
    const needed = new Set(layers.flatMap((layer) => subgraph(this.network, 'input', layer)));
    const nodes = this.network.nodes.filter((n) => needed.has(n));
    const outs = tf.tidy(() => {
      const x = tf.tensor4d(image, [1, this.network.inputSize, this.network.inputSize, 3]);
      const values = this.forward(nodes, new Map([['input', x]]));
      return layers.map((layer) => values.get(layer)!);
    });
    const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    return data;
  }

  imageLogits(image: Float32Array): Promise<Float32Array> {
    return this.fromImage(image, this.network.logitsNode);
  }

  async logits(layer: string, acts: Float32Array, batch: number): Promise<Float32Array> {
    const nodes = cutAt(this.network, layer);
    const out = tf.tidy(() => this.forward(nodes, new Map([[layer, this.feedLayer(layer, acts, batch)]])).get(this.network.logitsNode)!);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }

  async gradients(layer: string, acts: Float32Array, batch: number, score: ScoreSpec): Promise<GradientBatch> {
    const nodes = cutAt(this.network, layer);
    // The class count is the logits node's width (1000 for ImageNet), as the network describes it.
    const classes = this.network.byName.get(this.network.logitsNode)!.shape.at(-1)!;
    const [grad, logits] = tf.tidy(() => {
      const v = this.forward(nodes, new Map([[layer, this.feedLayer(layer, acts, batch)]]));
      const logits = v.get(this.network.logitsNode)!;
      const l = logits.dataSync();
      const dl = new Float32Array(batch * classes);
      for (let b = 0; b < batch; b++) dl.set(scoreLogitGradient(score, l, b * classes, classes), b * classes);
      return [this.backward(nodes, v, layer, tf.tensor2d(dl, [batch, classes])), logits];
    });
    const [g, l] = await Promise.all([grad.data(), logits.data()]);
    grad.dispose();
    logits.dispose();
    const scores = new Float32Array(batch);
    for (let b = 0; b < batch; b++) scores[b] = evaluateScore(score, l as Float32Array, b * classes, classes);
    return { grads: g as Float32Array, scores };
  }

  async layerGradients(from: string, to: string, acts: Float32Array, seeds: Float32Array, batch: number): Promise<LayerGradientBatch> {
    assertAttributionLayer(this.network, from);
    assertAttributionLayer(this.network, to);
    const nodes = subgraph(this.network, from, to);
    if (nodes.some((n) => n.op === 'Placeholder')) throw new EngineError('BAD_ARGUMENT', `${to} is not computed from ${from}.`);
    const [grad, later] = tf.tidy(() => {
      const v = this.forward(nodes, new Map([[from, this.feedLayer(from, acts, batch)]]));
      return [this.backward(nodes, v, from, this.feedLayer(to, seeds, batch), to), v.get(to)!];
    });
    const [g, l] = await Promise.all([grad.data(), later.data()]);
    grad.dispose();
    later.dispose();
    return { grads: g as Float32Array, later: l as Float32Array };
  }

  dispose() {
    for (const t of this.params.values()) t.dispose();
    for (const t of this.flipped.values()) t.dispose();
    this.params.clear();
    this.flipped.clear();
  }
}
