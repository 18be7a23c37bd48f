import type { GraphNode } from '../network/network.js';
import type { BackwardLowering } from '../executors/onnx-compiler/backward-rules.js';

/**
 * TensorFlow's LRN, forward and backward, as elementwise ops and one banded 1x1 conv, sharing
 * the normalizer between the two passes: y_c = x_c * d_c^-beta, d_c = bias + alpha *
 * sum_{|c'-c|<=r} x_c'^2, so dx_j = dy_j d_j^-beta - 2 alpha beta x_j sum_{|c-j|<=r} dy_c x_c
 * d_c^(-beta-1). ORT's own LRN kernel ran single-threaded at ~2x the cost of the conv before
 * it (profiled at 108 px, batch 4); the channel-window sum as a 1x1 conv with a 0/1 band filter
 * (symmetric, so its own transpose) runs on the fast conv kernels. GoogLeNet's beta is 0.75:
 * d^-0.75 = 1 / (sqrt(d) sqrt(sqrt(d))) avoids Pow's per-element exp and log.
 */
export class LrnRules {
  /** Per LRN node: its normalizer d and d^-beta, for the backward pass. */
  private readonly saved = new Map<string, { d: string; dPowBeta: string }>();

  forward(l: BackwardLowering, node: GraphNode) {
    const { b } = l;
    const x = l.values.get(node.inputs[0])!;
    const { alpha, beta, bias } = node.attrs as { alpha: number; beta: number; bias: number };
    const d = b.op1('Add', [b.op1('Mul', [this.windowSum(l, node, b.op1('Mul', [x, x])), b.scalar(alpha)]), b.scalar(bias)], {}, `${node.name}_d`);
    let dPowBeta: string;
    if (beta === 0.75) {
      const s = b.op1('Sqrt', [d]);
      dPowBeta = b.op1('Reciprocal', [b.op1('Mul', [s, b.op1('Sqrt', [s])])], {}, `${node.name}_d_pow_beta`);
    } else {
      dPowBeta = b.op1('Pow', [d, b.scalar(-beta)], {}, `${node.name}_d_pow_beta`);
    }
    this.saved.set(node.name, { d, dPowBeta });
    l.values.set(node.name, b.op1('Mul', [x, dPowBeta], {}, node.name));
  }

  backward(l: BackwardLowering, node: GraphNode, dy: string): string {
    const { b } = l;
    const x = l.values.get(node.inputs[0])!;
    const { d, dPowBeta } = this.saved.get(node.name)!;
    const { alpha, beta } = node.attrs as { alpha: number; beta: number };
    const direct = b.op1('Mul', [dy, dPowBeta]);
    // dy_c x_c d_c^(-beta-1) = dy_c y_c / d_c
    const inner = b.op1('Div', [b.op1('Mul', [dy, l.values.get(node.name)!]), d]);
    const cross = b.op1('Mul', [b.op1('Mul', [this.windowSum(l, node, inner), x]), b.scalar(-2 * alpha * beta)]);
    return b.op1('Add', [direct, cross], {}, `${node.name}_grad`);
  }

  private readonly bands = new Map<string, string>();

  private windowSum(l: BackwardLowering, node: GraphNode, v: string) {
    const { b } = l;
    let band = this.bands.get(node.name);
    if (!band) {
      const c = l.net.byName.get(node.inputs[0])!.shape[2];
      const r = node.attrs.depthRadius!;
      const f = new Float32Array(c * c);
      for (let o = 0; o < c; o++) for (let i = Math.max(0, o - r); i <= Math.min(c - 1, o + r); i++) f[o * c + i] = 1;
      band = b.floats(`${node.name}_band`, f, [c, c, 1, 1]);
      this.bands.set(node.name, band);
    }
    return b.op1('Conv', [v, band], { kernel_shape: [1, 1] });
  }
}
