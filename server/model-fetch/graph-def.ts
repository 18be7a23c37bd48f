import type { RawNode, WeightSpec } from '../engine/network/model-source.js';
import {
  CLASSIFIER,
  CONV1_PAD,
  INCEPTION_BLOCKS,
  INPUT_CHANNELS,
  INPUT_SIZE,
  LRN,
  MEAN_RGB,
  POOLS_AFTER,
  STEM_CONVS,
  blockDepth,
  inceptionConvs,
  tfWeightShape,
  type ParamLayer,
} from './googlenet-architecture.js';

/**
 * Writes the GoogLeNet table as a TensorFlow.js graph model: GraphDef-JSON nodes with only
 * standard TF ops (PROVENANCE.md, "Conversion" step 4), and the weight list in the order the
 * Const nodes appear, which is the order the shards hold them.
 */

/** Where the bytes of one weight come from: a caffejs layer, or a value fixed by the graph. */
export type WeightSource = { kind: 'param'; layer: ParamLayer; part: 'w' | 'b' } | { kind: 'const'; values: readonly number[] };

export interface GraphWeight extends WeightSpec {
  source: WeightSource;
}

export interface GoogLeNetGraph {
  nodes: RawNode[];
  weights: GraphWeight[];
  layers: { name: string; caffe: string; depth: number }[];
}

const FLOAT = { type: 'DT_FLOAT' };
const INT32 = { type: 'DT_INT32' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const NHWC = { s: b64('NHWC') };
const padding = (p: 'SAME' | 'VALID') => ({ s: b64(p) });
const list4 = (a: number, b: number) => ({ list: { i: ['1', String(a), String(b), '1'] } });

export function buildGoogLeNetGraph(): GoogLeNetGraph {
  const nodes: RawNode[] = [];
  const weights: GraphWeight[] = [];
  const layers: GoogLeNetGraph['layers'] = [];

  const constNode = (name: string, shape: number[], dtype: 'float32' | 'int32', source: WeightSource) => {
    const dt = dtype === 'float32' ? FLOAT : INT32;
    nodes.push({
      name,
      op: 'Const',
      attr: {
        value: { tensor: { dtype: dt.type, tensorShape: shape.length ? { dim: shape.map((s) => ({ size: String(s) })) } : {} } },
        dtype: dt,
      },
    });
    weights.push({ name, shape, dtype, source });
    return name;
  };
  const node = (name: string, op: string, input: string[], attr: Record<string, unknown>) => {
    nodes.push(input.length ? { name, op, input, attr } : { name, op, attr }); // a Placeholder has no `input` key
    return name;
  };
  const maxPool = (name: string, input: string, k: number, s: number) =>
    node(name, 'MaxPool', [input], { T: FLOAT, ksize: list4(k, k), strides: list4(s, s), padding: padding('SAME'), data_format: NHWC });
  const lrn = (name: string, input: string) =>
    node(name, 'LRN', [input], {
      T: FLOAT,
      depth_radius: { i: String(LRN.depthRadius) },
      bias: { f: LRN.bias },
      alpha: { f: LRN.alpha },
      beta: { f: LRN.beta },
    });

  /** Conv2D + BiasAdd + Relu, Lucid naming: `X_pre_relu/conv`, `X_pre_relu`, `X`. */
  const conv = (l: ParamLayer, input: string, stride = 1, pad: 'SAME' | 'VALID' = 'SAME', before?: () => string) => {
    const w = constNode(`${l.name}_w`, tfWeightShape(l), 'float32', { kind: 'param', layer: l, part: 'w' });
    const b = constNode(`${l.name}_b`, [l.outChannels], 'float32', { kind: 'param', layer: l, part: 'b' });
    const x = before ? before() : input;
    const c = node(`${l.name}_pre_relu/conv`, 'Conv2D', [x, w], {
      T: FLOAT,
      strides: list4(stride, stride),
      padding: padding(pad),
      data_format: NHWC,
      dilations: list4(1, 1),
      use_cudnn_on_gpu: { b: true },
      explicit_paddings: { list: {} },
    });
    const y = node(`${l.name}_pre_relu`, 'BiasAdd', [c, b], { T: FLOAT, data_format: NHWC });
    return node(l.name, 'Relu', [y], { T: FLOAT });
  };

  const input = node('input', 'Placeholder', [], {
    dtype: FLOAT,
    shape: { shape: { dim: [-1, INPUT_SIZE, INPUT_SIZE, INPUT_CHANNELS].map((s) => ({ size: String(s) })) } },
  });
  const mean = constNode('preprocess/mean_rgb', [3], 'float32', { kind: 'const', values: MEAN_RGB });
  const sub = node('preprocess/sub_mean', 'Sub', [input, mean], { T: FLOAT });

  // Stem: conv1 (explicit pad, VALID, stride 2), pool1, norm1, conv2 reduce, conv2, norm2, pool2.
  const [c0, c1, c2] = STEM_CONVS;
  let x = conv(c0, sub, 2, 'VALID', () => {
    const p = constNode(`${c0.name}_pre_relu/paddings`, [4, 2], 'int32', {
      kind: 'const',
      values: [0, 0, CONV1_PAD, CONV1_PAD, CONV1_PAD, CONV1_PAD, 0, 0],
    });
    return node(`${c0.name}_pre_relu/pad`, 'Pad', [sub, p], { T: FLOAT, Tpaddings: INT32 });
  });
  layers.push({ name: c0.name, caffe: c0.caffe, depth: c0.outChannels });
  x = maxPool('maxpool0', x, 3, 2);
  layers.push({ name: 'maxpool0', caffe: 'pool1/3x3_s2', depth: c0.outChannels });
  x = lrn('localresponsenorm0', x);
  layers.push({ name: 'localresponsenorm0', caffe: 'pool1/norm1', depth: c0.outChannels });
  x = conv(c1, x);
  layers.push({ name: c1.name, caffe: c1.caffe, depth: c1.outChannels });
  x = conv(c2, x);
  layers.push({ name: c2.name, caffe: c2.caffe, depth: c2.outChannels });
  x = lrn('localresponsenorm1', x);
  layers.push({ name: 'localresponsenorm1', caffe: 'conv2/norm2', depth: c2.outChannels });
  x = maxPool('maxpool1', x, 3, 2);
  layers.push({ name: 'maxpool1', caffe: 'pool2/3x3_s2', depth: c2.outChannels });

  let channels = c2.outChannels;
  for (const block of INCEPTION_BLOCKS) {
    const [b1, b3r, b3, b5r, b5, bp] = inceptionConvs(block, channels);
    const y1 = conv(b1, x);
    const y3 = conv(b3, conv(b3r, x));
    const y5 = conv(b5, conv(b5r, x));
    const yp = conv(bp, maxPool(`${block.name}_pool`, x, 3, 1));
    const axis = constNode(`${block.name}/concat_dim`, [], 'int32', { kind: 'const', values: [3] });
    x = node(block.name, 'ConcatV2', [y1, y3, y5, yp, axis], { T: FLOAT, N: { i: '4' }, Tidx: INT32 });
    channels = blockDepth(block);
    layers.push({ name: block.name, caffe: `${block.caffe}/output`, depth: channels });
    const pool = POOLS_AFTER[block.name];
    if (pool) {
      x = maxPool(pool.name, x, 3, 2);
      layers.push({ name: pool.name, caffe: pool.caffe, depth: channels });
    }
  }

  // Head: pool5 7x7 average, flatten, classifier, softmax. Dropout is inference-only identity.
  x = node('avgpool0', 'AvgPool', [x], {
    T: FLOAT,
    ksize: list4(7, 7),
    strides: list4(1, 1),
    padding: padding('VALID'),
    data_format: NHWC,
  });
  layers.push({ name: 'avgpool0', caffe: 'pool5/7x7_s1', depth: channels });
  const shape = constNode('avgpool0/reshape/shape', [2], 'int32', { kind: 'const', values: [-1, channels] });
  x = node('avgpool0/reshape', 'Reshape', [x, shape], { T: FLOAT, Tshape: INT32 });
  const w = constNode(`${CLASSIFIER.name}_w`, tfWeightShape(CLASSIFIER), 'float32', { kind: 'param', layer: CLASSIFIER, part: 'w' });
  const b = constNode(`${CLASSIFIER.name}_b`, [CLASSIFIER.outChannels], 'float32', { kind: 'param', layer: CLASSIFIER, part: 'b' });
  x = node('softmax2_pre_activation/matmul', 'MatMul', [x, w], { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } });
  x = node('softmax2_pre_activation', 'BiasAdd', [x, b], { T: FLOAT, data_format: NHWC });
  layers.push({ name: 'softmax2_pre_activation', caffe: CLASSIFIER.caffe, depth: CLASSIFIER.outChannels });
  node('softmax2', 'Softmax', [x], { T: FLOAT });
  layers.push({ name: 'softmax2', caffe: 'prob', depth: CLASSIFIER.outChannels });

  return { nodes, weights, layers };
}
