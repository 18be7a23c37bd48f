import type { GraphNode } from '../../network/network.js';
import type { BackwardLowering } from '../../executors/onnx-compiler/backward-rules.js';

/**
 * The input-gradient of several stride-1 1x1 convs that read the same value (an Inception
 * block's 1x1, 3x3-reduce and 5x5-reduce branches) as ONE conv: their output gradients
 * concatenated along channels, through the concatenated transposed filters. The same sum as one
 * conv per branch plus a Sum, in one larger GEMM with fewer layout reorders around it.
 */
export class SiblingConvBackward {
  /** Conv node name -> its group (in graph order), for groups of two or more. */
  private readonly groupOf = new Map<string, GraphNode[]>();
  private readonly collected = new Map<GraphNode[], Map<string, string>>();

  constructor(nodes: readonly GraphNode[], isOneByOne: (n: GraphNode) => boolean) {
    const byInput = new Map<string, GraphNode[]>();
    for (const n of nodes) {
      if (n.op !== 'Conv2D' || !isOneByOne(n)) continue;
      const [sh, sw] = n.attrs.strides ?? [1, 1];
      if (sh !== 1 || sw !== 1) continue;
      const list = byInput.get(n.inputs[0]) ?? [];
      list.push(n);
      byInput.set(n.inputs[0], list);
    }
    for (const group of byInput.values()) if (group.length > 1) for (const n of group) this.groupOf.set(n.name, group);
  }

  /**
   * For a conv in a group: keeps its output gradient (`dy`, null when none reaches it) and
   * returns [] until the group's first conv in graph order, the last one a reverse sweep meets;
   * then the input's gradient from the fused conv. null for any other node.
   */
  take(l: BackwardLowering, node: GraphNode, dy: string | null): [string, string][] | null {
    const group = this.groupOf.get(node.name);
    if (!group) return null;
    const got = this.collected.get(group) ?? new Map<string, string>();
    this.collected.set(group, got);
    if (dy) got.set(node.name, dy);
    if (node !== group[0]) return [];
    const members = group.filter((n) => got.has(n.name));
    if (members.length === 0) return [];
    return [[group[0].inputs[0], this.fused(l, members, got)]];
  }

  private fused(l: BackwardLowering, group: GraphNode[], got: Map<string, string>): string {
    const { b, w } = l;
    const filters = group.map((n) => w.convGradOIHW(n));
    const ci = filters[0].dims[0];
    const co = filters.reduce((s, f) => s + f.dims[1], 0);
    // [ci, sum co, 1, 1]: member k's [ci, co_k] block at its channel offset.
    const data = new Float32Array(ci * co);
    let offset = 0;
    for (const f of filters) {
      const cok = f.dims[1];
      for (let i = 0; i < ci; i++) data.set(f.data.subarray(i * cok, (i + 1) * cok), i * co + offset);
      offset += cok;
    }
    const name = group.map((n) => n.name).join('+');
    const dys = b.op1(
      'Concat',
      group.map((n) => got.get(n.name)!),
      { axis: 1 },
      `${group[0].inputs[0]}_sibling_dy`,
    );
    return b.op1(
      'Conv',
      [dys, b.floats(`${name}_grad`, data, [ci, co, 1, 1])],
      { kernel_shape: [1, 1] },
      `${group[0].inputs[0]}_sibling_grad`,
    );
  }
}
