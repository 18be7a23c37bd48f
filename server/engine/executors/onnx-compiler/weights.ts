import { EngineError } from '../../../errors/engine-error.js';
import type { GraphNode, Network, Tensor } from '../../network/network.js';

/**
 * The network's weights in the layouts ONNX wants, converted once per network and shared by
 * every graph compiled from it. TensorFlow keeps conv filters HWIO; ONNX Conv wants OIHW.
 */
export class OnnxWeights {
  private readonly cache = new Map<string, Float32Array>();

  constructor(readonly network: Network) {}

  /** The raw tensor; a missing one means the model folder does not match its graph. */
  tensor(name: string): Tensor {
    const t = this.network.weights.get(name);
    if (!t) {
      throw new EngineError(
        'MODEL_CORRUPT',
        `The weights have no tensor "${name}" that the graph needs: the model folder is incomplete or from another model. Restore it, or set MODEL_DIR to a complete googlenet-bvlc folder.`,
        { weight: name },
      );
    }
    return t;
  }

  param(node: GraphNode, i = 0): Tensor {
    const name = node.params[i];
    if (name === undefined)
      throw new EngineError('MODEL_CORRUPT', `Node ${node.name} (${node.op}) lacks its constant input ${i}.`, { node: node.name });
    return this.tensor(name);
  }

  floats(node: GraphNode, i = 0): Float32Array {
    const t = this.param(node, i);
    if (!(t.data instanceof Float32Array))
      throw new EngineError('MODEL_CORRUPT', `Weight ${node.params[i]} of ${node.name} is not float32.`);
    return t.data;
  }

  /** Conv filter [kh,kw,ci,co] (HWIO) -> [co,ci,kh,kw] (OIHW). */
  convOIHW(node: GraphNode): { data: Float32Array; dims: number[] } {
    const t = this.param(node);
    const [kh, kw, ci, co] = t.shape;
    const data = this.memo(`${node.params[0]}:oihw`, () => permuteFilter(t.data as Float32Array, kh, kw, ci, co, false));
    return { data, dims: [co, ci, kh, kw] };
  }

  /**
   * The filter of the input-gradient of a stride-1 SAME conv, as a forward conv: rotated 180
   * degrees in space, input and output channels swapped: [ci,co,kh,kw].
   */
  convGradOIHW(node: GraphNode): { data: Float32Array; dims: number[] } {
    const t = this.param(node);
    const [kh, kw, ci, co] = t.shape;
    const data = this.memo(`${node.params[0]}:grad`, () => permuteFilter(t.data as Float32Array, kh, kw, ci, co, true));
    return { data, dims: [ci, co, kh, kw] };
  }

  private memo(key: string, make: () => Float32Array) {
    let v = this.cache.get(key);
    if (!v) this.cache.set(key, (v = make()));
    return v;
  }
}

function permuteFilter(w: Float32Array, kh: number, kw: number, ci: number, co: number, gradient: boolean): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < ci; c++) {
        const src = ((i * kw + j) * ci + c) * co;
        for (let o = 0; o < co; o++) {
          const v = w[src + o];
          if (gradient) out[((c * co + o) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)] = v;
          else out[((o * ci + c) * kh + i) * kw + j] = v;
        }
      }
    }
  }
  return out;
}
