import p from 'onnx-proto';

const { onnx } = p;
const NCHWC = 'com.microsoft.nchwc';
const FLOAT = 1;
const BOOL = 9;

/**
 * Keeps ONNX Runtime's blocked NCHWc layout through the ops its own NCHWc transformer leaves in
 * plain NCHW. ORT (graph optimization `all`) runs convs and pools on NCHWc tensors ([N, C/B, H,
 * W, B] in memory, B = 8 on AVX2, 16 on AVX-512) but converts back to NCHW (ReorderOutput) before
 * any op it does not know, and forward again (ReorderInput) after: in a backward graph that is
 * every ReLU mask (Greater, Where), every concat gradient (Split), every sum of gradients and
 * every max-pool routing, so the reorders cost more than some convs.
 *
 * This pass rewrites ORT's optimized graph so that such ops run on the NCHWc tensors directly:
 * - element-wise ops on tensors of one shape, with scalar constants: the same arithmetic on the
 *   same values, in another memory order;
 * - Split and Concat along the channels at multiples of B: whole channel blocks;
 * - Pad and Slice along the spatial axes only: the same op on the 5-D view [N, C/B, H, W, B];
 * - the graph's NHWC boundary: Transpose + ReorderInput becomes one ReorderInput from NHWC, and
 *   ReorderOutput + Transpose one ReorderOutput to NHWC.
 * A ReorderOutput stays wherever a plain NCHW consumer still needs the value. The rewritten graph
 * computes exactly what the original does (the same kernels on the same numbers); callers check
 * that bit for bit on sample inputs before using it (session-cache.ts), and keep ORT's own graph
 * otherwise.
 *
 * Ops are admitted only when they cannot create a non-finite value from the zeros that pad the
 * last channel block (a conv reading those lanes multiplies them by zero weights; NaN * 0 is NaN).
 */

/** Element-wise ops whose inputs are all NCHWc twins of one shape or scalar constants. */
const ELEMENTWISE = new Set([
  'Add',
  'Sub',
  'Mul',
  'Sum',
  'Max',
  'Min',
  'Where',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'Equal',
  'And',
  'Or',
  'Not',
  'Relu',
  'Neg',
  'Abs',
  'Identity',
]);
/** Of those, the ones with boolean outputs: ORT's reorders move floats only, so a plain copy is computed where still needed. */
const BOOLEAN = new Set(['Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Equal', 'And', 'Or', 'Not']);

interface Twin {
  /** The NCHWc value holding the same tensor. */
  name: string;
  /** Its logical channel count (the NCHWc value is padded up to a multiple of the block size). */
  channels: number;
}

type Node = p.onnx.INodeProto;

/** protobufjs decodes int64 fields as Long objects where the long library is installed. */
const num = (v: number | { low: number; high: number } | null | undefined): number =>
  typeof v === 'number' ? v : v == null ? NaN : v.high * 2 ** 32 + (v.low >>> 0);
const attr = (n: Node, name: string) => n.attribute?.find((a) => a.name === name);
const attrInt = (n: Node, name: string, fallback: number) => {
  const a = attr(n, name);
  return a?.i == null ? fallback : num(a.i);
};
const attrInts = (n: Node, name: string) => attr(n, name)?.ints?.map(num);

/** What the pass did: the rewritten model, and how many ops now run on NCHWc tensors. */
export interface NchwcSinking {
  bytes: Uint8Array;
  moved: number;
  /** Reorder nodes before and after. */
  reordersBefore: number;
  reordersAfter: number;
}

/**
 * Rewrites an ORT-optimized model (bytes ORT wrote to `optimizedModelFilePath`) as described
 * above, for NCHWc block size `block`. Returns null when there is nothing to move.
 */
export function sinkNchwcReorders(model: Uint8Array, block: number): NchwcSinking | null {
  const m = onnx.ModelProto.decode(model);
  const g = m.graph!;
  const initializers = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const nodes = topologicalOrder(g);
  if (!nodes) return null;
  const reorders = (list: Node[]) => list.filter((n) => n.domain === NCHWC && /^Reorder(In|Out)put$/.test(n.opType!)).length;
  const reordersBefore = reorders(nodes);

  const used = new Set<string>([
    ...nodes.flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]),
    ...initializers.keys(),
    ...(g.input ?? []).map((v) => v.name!),
  ]);
  const fresh = (hint: string) => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const constInts = (values: number[]) => {
    const name = fresh('nchwc_sinking_shape');
    initializers.set(name, {
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer),
    });
    return name;
  };
  /** A scalar constant: an initializer with one element (it broadcasts the same in any layout). */
  const isScalar = (name: string) => {
    const t = initializers.get(name);
    return !!t && (t.dims ?? []).reduce((a, b) => a * Number(b), 1) === 1 && (t.dims ?? []).length <= 1;
  };
  const intsOf = (name: string): number[] | undefined => {
    const t = initializers.get(name);
    if (!t) return undefined;
    if (t.int64Data?.length) return t.int64Data.map(num);
    if (t.rawData?.length) {
      const raw = t.rawData;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const n = raw.byteLength / 8;
      return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    return [];
  };

  const floatsOf = (name: string): Float32Array | undefined => {
    const t = initializers.get(name);
    if (!t || t.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
    if (t.floatData?.length) return Float32Array.from(t.floatData);
    const raw = t.rawData;
    return raw ? new Float32Array(raw.slice().buffer) : undefined;
  };
  /** A constant varying over space only ([1, 1, h, w]): it broadcasts over the 5-D view as [1, 1, h, w, 1]. */
  const spatialConstant = (name: string) => {
    const t = initializers.get(name);
    const d = t?.dims?.map(num);
    return !!t && d?.length === 4 && d[0] === 1 && d[1] === 1;
  };
  const constFive = (name: string) => {
    const t = initializers.get(name)!;
    const five = fresh(`${name}_nchwc5`);
    initializers.set(five, { ...t, name: five, dims: [...t.dims!.map(num), 1] });
    return five;
  };

  /** Graph inputs' last dimension (NHWC channels), where static. */
  const inputChannels = new Map(
    (g.input ?? []).map((v) => {
      const dims = v.type?.tensorType?.shape?.dim ?? [];
      const last = dims.length === 4 ? dims[3].dimValue : undefined;
      return [v.name!, last == null ? 0 : num(last)] as const;
    }),
  );
  const twins = new Map<string, Twin>();
  /** Plain value -> the value it is an alias of (a ReorderInput of something that has a twin). */
  const alias = new Map<string, string>();
  const resolve = (name: string) => alias.get(name) ?? name;
  const out: Node[] = [];
  let moved = 0;
  const blocks = (channels: number) => Math.ceil(channels / block);

  const reorderOutput = (twin: Twin, output: string, channelsLast = 0): Node => ({
    opType: 'ReorderOutput',
    domain: NCHWC,
    name: fresh(`ReorderOutput_${output}`),
    input: [twin.name],
    output: [output],
    attribute: [
      { name: 'channels', type: onnx.AttributeProto.AttributeType.INT, i: twin.channels },
      { name: 'channels_last', type: onnx.AttributeProto.AttributeType.INT, i: channelsLast },
    ],
  });
  const reshape = (input: string, shape: number[], hint: string) => {
    const o = fresh(hint);
    out.push({ opType: 'Reshape', domain: '', name: fresh(`${hint}_reshape`), input: [input, constInts(shape)], output: [o] });
    return o;
  };
  /**
   * Adds `node` rewritten to NCHWc inputs `ins` (built by `views` from the twins): its outputs
   * become twins with `channels[k]`, reshaped back from a view when `unview` is given; the plain
   * outputs stay available for NCHW consumers (pruned below when there are none).
   */
  const emit = (node: Node, ins: string[], channels: number[], options: { attrs?: Node['attribute']; unview?: number[] } = {}) => {
    const outs = (node.output ?? []).map((o) => fresh(`${o}_nchwc${options.unview ? '_view' : ''}`));
    out.push({
      ...node,
      input: ins,
      output: outs,
      attribute: options.attrs ?? node.attribute,
      name: fresh(`${node.name || node.opType}_nchwc`),
    });
    (node.output ?? []).forEach((o, k) => {
      const name = options.unview ? reshape(outs[k], options.unview, `${o}_nchwc`) : outs[k];
      twins.set(o, { name, channels: channels[k] });
    });
    if (BOOLEAN.has(node.opType!) || (node.opType === 'Cast' && attrInt(node, 'to', 0) === BOOL)) out.push(node);
    else (node.output ?? []).forEach((o) => out.push(reorderOutput(twins.get(o)!, o)));
    moved++;
  };
  /** [N, Cp, H, W] NCHWc as [N, C/B, H, W, B]: spatial axes keep their numbers, the block is last. */
  const five = (twin: Twin) => reshape(twin.name, [0, blocks(twin.channels), 0, 0, block], `${twin.name}_5d`);
  const fromFive = [0, -1, 0, 0];
  /** [N, Cp, H, W] NCHWc as [N, C/B, H, W * B]: a shift along W moves whole rows of B. */
  const merged = (twin: Twin) => reshape(twin.name, [0, blocks(twin.channels), 0, -1], `${twin.name}_rows`);
  const fromMerged = (twin: Twin) => [0, blocks(twin.channels) * block, 0, -1];

  const producers = new Map<string, Node>();
  for (const node of nodes) {
    node.input = (node.input ?? []).map(resolve);
    const ins = node.input;
    const op = node.opType!;
    const standard = (node.domain ?? '') === '';
    if (node.domain === NCHWC && op === 'ReorderOutput' && attrInt(node, 'channels_last', 0) === 0) {
      twins.set(node.output![0], { name: ins[0], channels: attrInt(node, 'channels', 0) });
      out.push(node);
      continue;
    }
    if (node.domain === NCHWC && op === 'ReorderInput' && attrInt(node, 'channels_last', 0) === 0) {
      const twin = twins.get(ins[0]);
      if (twin) {
        // The value already exists in NCHWc form.
        alias.set(node.output![0], twin.name);
        continue;
      }
      const source = producers.get(ins[0]);
      const perm = source && source.opType === 'Transpose' && (source.domain ?? '') === '' ? attrInts(source, 'perm') : undefined;
      if (perm && perm.join() === '0,3,1,2') {
        // NHWC -> NCHW -> NCHWc in one reorder from NHWC; a graph input says its channel count.
        out.push({
          ...node,
          input: [source!.input![0]],
          attribute: [{ name: 'channels_last', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        });
        const channels = inputChannels.get(source!.input![0]);
        if (channels) twins.set(ins[0], { name: node.output![0], channels });
        continue;
      }
    } else if (standard && op === 'Transpose' && attrInts(node, 'perm')?.join() === '0,2,3,1' && twins.has(ins[0])) {
      out.push(reorderOutput(twins.get(ins[0])!, node.output![0], 1));
      moved++;
      continue;
    } else if (standard && (ELEMENTWISE.has(op) || (op === 'Cast' && [FLOAT, BOOL].includes(attrInt(node, 'to', 0))))) {
      const tensors = ins.filter((i) => i !== '' && !isScalar(i) && !spatialConstant(i));
      const ts = tensors.map((i) => twins.get(i));
      const t0 = ts[0];
      if (t0 && ts.every((t) => t && t.channels === t0.channels)) {
        const channels = node.output!.map(() => t0.channels);
        if (ins.some(spatialConstant)) {
          const viewed = ins.map((i) => (twins.has(i) ? five(twins.get(i)!) : spatialConstant(i) ? constFive(i) : i));
          emit(node, viewed, channels, { unview: fromFive });
        } else
          emit(
            node,
            ins.map((i) => twins.get(i)?.name ?? i),
            channels,
          );
        continue;
      }
    } else if (standard && op === 'Split' && attrInt(node, 'axis', 0) === 1) {
      const twin = twins.get(ins[0]);
      const sizes = ins[1] ? intsOf(ins[1]) : undefined;
      if (twin && sizes && sizes.length === node.output!.length && sizes.every((v) => v % block === 0)) {
        emit(node, [twin.name, ins[1]], sizes);
        continue;
      }
    } else if (standard && op === 'Concat' && attrInt(node, 'axis', 0) === 1) {
      const ts = ins.map((i) => twins.get(i));
      if (ts.every((t) => t && t.channels % block === 0)) {
        emit(
          node,
          ts.map((t) => t!.name),
          [ts.reduce((sum, t) => sum + t!.channels, 0)],
        );
        continue;
      }
    } else if (standard && op === 'Pad' && ins.length >= 2) {
      const twin = twins.get(ins[0]);
      const pads = intsOf(ins[1]);
      const mode = attr(node, 'mode')?.s?.length ? new TextDecoder().decode(attr(node, 'mode')!.s!) : 'constant';
      const valueOk = ins.length < 3 || ins[2] === '' || isScalar(ins[2]);
      if (twin && pads?.length === 8 && mode === 'constant' && valueOk && !(ins.length >= 4 && ins[3] !== '')) {
        const [n0, c0, h0, w0, n1, c1, h1, w1] = pads;
        if (n0 === 0 && c0 === 0 && n1 === 0 && c1 === 0) {
          const rowPads = constInts([0, 0, h0, w0 * block, 0, 0, h1, w1 * block]);
          emit(node, [merged(twin), rowPads, ...ins.slice(2, 3)], [twin.channels], { unview: fromMerged(twin) });
          continue;
        }
      }
    } else if (standard && op === 'Slice' && ins.length >= 4) {
      const twin = twins.get(ins[0]);
      const axes = intsOf(ins[3])?.map((a) => (a < 0 ? a + 4 : a));
      const starts = intsOf(ins[1]);
      const ends = intsOf(ins[2]);
      const steps = ins[4] ? intsOf(ins[4]) : axes?.map(() => 1);
      if (twin && axes && starts && ends && steps && axes.every((a) => a === 2 || a === 3)) {
        if (axes.every((a, k) => a === 2 || steps[k] === 1)) {
          // Along W in whole rows of B: positions scale by B ("to the end" stays as it is).
          const scale = (v: number, k: number) => (axes[k] === 3 && Math.abs(v) < 2 ** 31 ? v * block : v);
          emit(
            node,
            [merged(twin), constInts(starts.map(scale)), constInts(ends.map(scale)), constInts(axes), constInts(steps)],
            [twin.channels],
            { unview: fromMerged(twin) },
          );
        } else {
          emit(node, [five(twin), ins[1], ins[2], constInts(axes), constInts(steps)], [twin.channels], { unview: fromFive });
        }
        continue;
      }
    } else if (standard && op === 'Resize' && ins.length === 3 && (ins[1] ?? '') === '') {
      // Nearest-neighbour upsampling by whole factors: ORT's own NCHWc Upsample kernel.
      const twin = twins.get(ins[0]);
      const scales = floatsOf(ins[2]);
      const text = (name: string, fallback: string) => {
        const a = attr(node, name);
        return a?.s?.length ? new TextDecoder().decode(a.s) : fallback;
      };
      const nearest =
        text('mode', 'nearest') === 'nearest' &&
        text('coordinate_transformation_mode', 'half_pixel') === 'asymmetric' &&
        text('nearest_mode', 'round_prefer_floor') === 'floor';
      if (
        twin &&
        nearest &&
        scales?.length === 4 &&
        scales[0] === 1 &&
        scales[1] === 1 &&
        scales.every((v) => Number.isInteger(v) && v >= 1)
      ) {
        emit({ ...node, opType: 'Upsample', domain: NCHWC }, [twin.name], [twin.channels], {
          attrs: [{ name: 'scales', type: onnx.AttributeProto.AttributeType.INTS, ints: Array.from(scales) }],
        });
        continue;
      }
    } else if (standard && op === 'Reshape' && ins.length === 2) {
      // [N, C] -> [N, C, 1, 1]: one position, so NCHW and NCHWc are the same bytes.
      const shape = intsOf(ins[1]);
      if (shape?.length === 4 && shape[1] % block === 0 && shape[2] === 1 && shape[3] === 1 && (shape[0] === -1 || shape[0] === 0)) {
        out.push(node);
        twins.set(node.output![0], { name: node.output![0], channels: shape[1] });
        continue;
      }
    } else if (standard && op === 'Expand' && ins.length === 2) {
      const twin = twins.get(ins[0]);
      const shape = intsOf(ins[1]);
      if (twin && shape?.length === 4 && shape[0] === 1 && shape[1] === 1) {
        emit(node, [five(twin), constInts([...shape, 1])], [twin.channels], { unview: fromFive });
        continue;
      }
    }
    out.push(node);
    for (const o of node.output ?? []) producers.set(o, node);
  }
  for (const node of out) for (const o of node.output ?? []) producers.set(o, node);

  // Drop what nothing reads any more: ReorderOutputs whose NCHW value no op needs, and ops
  // (Transposes at the boundary) whose only consumer became a reorder from NHWC.
  const graphOutputs = new Set((g.output ?? []).map((v) => v.name!));
  let live = out;
  for (;;) {
    const read = new Set(live.flatMap((n) => n.input ?? []));
    const next = live.filter((n) => (n.output ?? []).some((o) => o !== '' && (read.has(o) || graphOutputs.has(o))));
    if (next.length === live.length) break;
    live = next;
  }
  if (moved === 0) return null;
  const usedInitializers = new Set(live.flatMap((n) => n.input ?? []));
  g.node = live;
  g.initializer = [...initializers.values()].filter((t) => usedInitializers.has(t.name!));
  return { bytes: onnx.ModelProto.encode(m).finish(), moved, reordersBefore, reordersAfter: reorders(live) };
}

/** The graph's nodes in an order where every input is produced before it is read; null on a cycle. */
function topologicalOrder(g: p.onnx.IGraphProto): Node[] | null {
  const nodes = g.node ?? [];
  const available = new Set<string>(['', ...(g.input ?? []).map((v) => v.name!), ...(g.initializer ?? []).map((t) => t.name!)]);
  const waiting = new Map<string, Node[]>();
  const missing = new Map<Node, number>();
  const ready: Node[] = [];
  for (const n of nodes) {
    const need = new Set((n.input ?? []).filter((i) => !available.has(i)));
    missing.set(n, need.size);
    if (need.size === 0) ready.push(n);
    for (const i of need) {
      const list = waiting.get(i);
      if (list) list.push(n);
      else waiting.set(i, [n]);
    }
  }
  const order: Node[] = [];
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const o of n.output ?? []) {
      if (available.has(o)) continue;
      available.add(o);
      for (const w of waiting.get(o) ?? []) {
        const left = missing.get(w)! - 1;
        missing.set(w, left);
        if (left === 0) ready.push(w);
      }
    }
  }
  return order.length === nodes.length ? order : null;
}
