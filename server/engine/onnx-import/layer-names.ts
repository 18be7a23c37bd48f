import type { LayerInfo } from '../layer-info.js';
import type { AnalysedGraph } from './shape-inference.js';

/**
 * The exporter scopes of a node name: PyTorch names nodes `/layer3/layer3.1/relu_1/Relu`, one
 * path segment per module call and the operator last. Undefined for a name without scopes.
 */
export function scopesOf(nodeName: string): string[] | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const parts = nodeName.split('/').slice(1, -1);
  return parts.length && parts.every(Boolean) ? parts : undefined;
}

/**
 * The module path of a chain of exporter scopes: a named child is scoped by its name, a
 * numbered child by its parent's scope name plus `.i`, so `features / features.4 / features.4.1 /
 * block / block.1` is the module `features.4.1.block.1`.
 */
export function modulePath(scopes: string[]): string {
  let path = '';
  let parent = '';
  for (const s of scopes) {
    const child = parent && s.startsWith(`${parent}.`) ? s.slice(parent.length + 1) : s;
    path = path ? `${path}.${child}` : child;
    parent = s;
  }
  return path;
}

/** Where a skip connection bypasses a value: the node that reads around it, and the value it reads. */
export interface Bypass {
  node: string;
  reads: string;
}

/**
 * Which values the logits depend on through them alone. With the values in topological order,
 * a value v on a path from the input to the logits separates them unless some edge u -> w of
 * the graph jumps over it (order(u) < order(v) < order(w)): the path input .. u -> w .. logits
 * then avoids v. One sweep finds every cut; for the others, the jumping edge names the node
 * (w's producer) that bypasses them.
 */
export function findCuts(g: AnalysedGraph, logits: string): Map<string, Bypass | null> {
  const order = new Map<string, number>([[g.input, 0]]);
  for (const n of g.nodes) for (const o of n.outputs) if (o && g.shapes.has(o)) order.set(o, order.size);
  // Values on a path to the logits.
  const toLogits = new Set<string>([logits]);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k];
    if (n.outputs.some((o) => toLogits.has(o))) for (const i of n.inputs) if (order.has(i)) toLogits.add(i);
  }
  // For each position p: the farthest edge end reached from values at positions < p, and that edge.
  const edges: { from: number; to: number; node: string; reads: string }[] = [];
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!toLogits.has(o)) continue;
      for (const i of n.inputs)
        if (order.has(i) && toLogits.has(i)) edges.push({ from: order.get(i)!, to: order.get(o)!, node: n.name, reads: i });
    }
  }
  edges.sort((a, b) => a.from - b.from);
  const byPosition = [...order.entries()].sort((a, b) => a[1] - b[1]);
  const result = new Map<string, Bypass | null>();
  let best: (typeof edges)[number] | undefined;
  let e = 0;
  for (const [value, p] of byPosition) {
    while (e < edges.length && edges[e].from < p) {
      if (!best || edges[e].to > best.to) best = edges[e];
      e++;
    }
    if (!toLogits.has(value)) continue;
    result.set(value, best && best.to > p ? { node: best.node, reads: best.reads } : null);
  }
  return result;
}

/**
 * The layers of an imported graph: every 4-D value [1, C, H, W] computed from the image on a
 * path to the logits, in graph order. Each is named by the shortest module path whose last node
 * computes it (the other such paths are aliases), or by its tensor name where no module scope
 * ends there. A value a skip connection bypasses carries the bypassing node, so asking for it
 * is refused with that reason. `listed`: the cut values that end a module, the block outputs a
 * user recognises (a module of two or more nodes, or a top-level module's direct child).
 */
export function describeLayers(g: AnalysedGraph, logits: string): LayerInfo[] {
  const cuts = findCuts(g, logits);
  const paths = new Map<string, string[]>();
  const lastNode = new Map<string, { value: string; nodes: number }>();
  for (const n of g.nodes) {
    const scopes = scopesOf(n.name);
    if (!scopes) continue;
    for (let d = 1; d <= scopes.length; d++) {
      const path = modulePath(scopes.slice(0, d));
      const prev = lastNode.get(path);
      lastNode.set(path, { value: n.outputs[0], nodes: (prev?.nodes ?? 0) + 1 });
    }
  }
  for (const [path, { value }] of lastNode) {
    const list = paths.get(value) ?? [];
    list.push(path);
    paths.set(value, list);
  }
  const layers: LayerInfo[] = [];
  for (const [value, bypass] of cuts) {
    const s = g.shapes.get(value);
    if (!s || s.length !== 4 || s[0] !== 1 || value === g.input) continue;
    const names = (paths.get(value) ?? []).sort((a, b) => a.split('.').length - b.split('.').length || a.length - b.length);
    const name = names[0] ?? value;
    const depth = name.split('.').length;
    const nodes = names.length ? lastNode.get(name)!.nodes : 0;
    layers.push({
      name,
      caffe: value,
      tensor: value,
      aliases: names.slice(1),
      channels: s[1],
      height: s[2],
      width: s[3],
      listed: bypass === null && names.length > 0 && (nodes >= 2 || depth <= 2),
      ...(bypass ? { bypassedBy: bypass.node, bypassReads: bypass.reads } : {}),
    });
  }
  return layers;
}
