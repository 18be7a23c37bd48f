import type { GraphNode } from '../../network/network.js';
import type { BackwardLowering } from '../../executors/onnx-compiler/backward-rules.js';

/**
 * TensorFlow's LRN, forward and backward, as elementwise ops and a channel-window sum, sharing
 * the normalizer between the two passes: y_c = x_c * d_c^-beta, d_c = bias + alpha *
 * sum_{|c'-c|<=r} x_c'^2, so dx_j = dy_j d_j^-beta - 2 alpha beta x_j sum_{|c-j|<=r} dy_c x_c
 * d_c^(-beta-1). ORT's own LRN kernel ran single-threaded at ~2x the cost of the conv before
 * it (profiled at 108 px, batch 4); the channel-window sum is an average pool along channels
 * (windowSum; symmetric, so its own transpose). GoogLeNet's beta is 0.75:
 * d^-0.75 = 1 / (sqrt(d) sqrt(sqrt(d))) avoids Pow's per-element exp and log.
 */
export class LrnRules {
  /** Per LRN node: its normalizer d and d^-beta, for the backward pass. */
  private readonly saved = new Map<string, { d: string; dPowBeta: string }>();

  forward(l: BackwardLowering, node: GraphNode) {
    const { b } = l;
    const x = l.values.get(node.inputs[0])!;
    const { alpha, beta, bias } = node.attrs as { alpha: number; beta: number; bias: number };
    const d = this.windowSum(l, node, b.op1('Mul', [x, x]), alpha, bias, `${node.name}_d`);
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
    const cross = b.op1('Mul', [this.windowSum(l, node, inner, -2 * alpha * beta, 0), x]);
    return b.op1('Add', [direct, cross], {}, `${node.name}_grad`);
  }

  /**
   * scale * sum_{|c'-c|<=r} v_c' + offset: an average pool along the channels of a [B, 1, C, H*W]
   * view, 2r+1 adds per value (the banded 1x1 conv it replaced did C multiply-adds per value,
   * and measured ~4% more CPU per render step at batch 4 and 20).
   */
  private windowSum(l: BackwardLowering, node: GraphNode, v: string, scale: number, offset: number, hint = `${node.name}_window`) {
    const { b } = l;
    const [h, w, c] = l.net.byName.get(node.inputs[0])!.shape;
    const r = node.attrs.depthRadius!;
    const rows = b.op1('Reshape', [v, b.ints([-1, 1, c, h * w])]);
    const mean = b.op1('AveragePool', [rows], { kernel_shape: [2 * r + 1, 1], pads: [r, 0, r, 0], strides: [1, 1], count_include_pad: 1 });
    const sum = b.op1('Mul', [b.op1('Reshape', [mean, b.ints([-1, c, h, w])]), b.scalar(scale * (2 * r + 1))]);
    return offset ? b.op1('Add', [sum, b.scalar(offset)], {}, hint) : sum;
  }
}
