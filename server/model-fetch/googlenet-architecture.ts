/**
 * BVLC GoogLeNet (main tower) as a table: the only place the fetcher learns shapes, because the
 * caffejs weight files are raw float32 with no header. Widths are Szegedy et al. 2014, "Going
 * Deeper with Convolutions", Table 1, which is also BVLC's deploy.prototxt. Node names follow
 * Lucid/inception5h, Caffe names follow the prototxt (PROVENANCE.md, "Layer / node names").
 */

/** One conv or fully connected layer whose weights come from two caffejs files. */
export interface ParamLayer {
  /** Lucid node prefix: weights are `${name}_w` and `${name}_b`. */
  name: string;
  /** Caffe layer name; the files are `${caffe}_filter.bin` and `${caffe}_bias.bin`. */
  caffe: string;
  kind: 'conv' | 'fc';
  /** Kernel size (conv only). */
  k: number;
  inChannels: number;
  outChannels: number;
  /** Caffe's first conv reads BGR; the graph takes RGB, so its input channels are reversed. */
  bgrInput?: boolean;
}

/** [1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj] output channels (Table 1). */
type InceptionWidths = readonly [number, number, number, number, number, number];

export interface InceptionBlock {
  /** e.g. `mixed4d`. */
  name: string;
  /** e.g. `inception_4d`. */
  caffe: string;
  widths: InceptionWidths;
}

export const INPUT_SIZE = 224;
export const INPUT_CHANNELS = 3;
export const NUM_CLASSES = 1000;
/** BVLC mean in RGB order (Caffe's `mean_value: 104, 117, 123` is BGR). */
export const MEAN_RGB = [123, 117, 104] as const;
/** Caffe `conv1/7x7_s2` has pad 3; TF gets an explicit Pad then a VALID conv. */
export const CONV1_PAD = 3;
/** Caffe LRN local_size 5, alpha 1e-4, beta 0.75, k 1; TF divides alpha by local_size. */
export const LRN = { depthRadius: 2, bias: 1, alpha: 1e-4 / 5, beta: 0.75 } as const;

export const STEM_CONVS: readonly ParamLayer[] = [
  { name: 'conv2d0', caffe: 'conv1/7x7_s2', kind: 'conv', k: 7, inChannels: 3, outChannels: 64, bgrInput: true },
  { name: 'conv2d1', caffe: 'conv2/3x3_reduce', kind: 'conv', k: 1, inChannels: 64, outChannels: 64 },
  { name: 'conv2d2', caffe: 'conv2/3x3', kind: 'conv', k: 3, inChannels: 64, outChannels: 192 },
];

export const INCEPTION_BLOCKS: readonly InceptionBlock[] = [
  { name: 'mixed3a', caffe: 'inception_3a', widths: [64, 96, 128, 16, 32, 32] },
  { name: 'mixed3b', caffe: 'inception_3b', widths: [128, 128, 192, 32, 96, 64] },
  { name: 'mixed4a', caffe: 'inception_4a', widths: [192, 96, 208, 16, 48, 64] },
  { name: 'mixed4b', caffe: 'inception_4b', widths: [160, 112, 224, 24, 64, 64] },
  { name: 'mixed4c', caffe: 'inception_4c', widths: [128, 128, 256, 24, 64, 64] },
  { name: 'mixed4d', caffe: 'inception_4d', widths: [112, 144, 288, 32, 64, 64] },
  { name: 'mixed4e', caffe: 'inception_4e', widths: [256, 160, 320, 32, 128, 128] },
  { name: 'mixed5a', caffe: 'inception_5a', widths: [256, 160, 320, 32, 128, 128] },
  { name: 'mixed5b', caffe: 'inception_5b', widths: [384, 192, 384, 48, 128, 128] },
];

/** Stride-2 max-pools between blocks: after the named block (Caffe pool3, pool4). */
export const POOLS_AFTER: Readonly<Record<string, { name: string; caffe: string }>> = {
  mixed3b: { name: 'maxpool4', caffe: 'pool3/3x3_s2' },
  mixed4e: { name: 'maxpool10', caffe: 'pool4/3x3_s2' },
};

export const CLASSIFIER: ParamLayer = {
  name: 'softmax2',
  caffe: 'loss3/classifier',
  kind: 'fc',
  k: 1,
  inChannels: 1024,
  outChannels: NUM_CLASSES,
};

export const blockDepth = (b: InceptionBlock) => b.widths[0] + b.widths[2] + b.widths[4] + b.widths[5];

/** The six convs of a block, in graph order, with their input widths. */
export function inceptionConvs(block: InceptionBlock, inChannels: number): ParamLayer[] {
  const [w1, w3r, w3, w5r, w5, wp] = block.widths;
  const conv = (suffix: string, caffeSuffix: string, k: number, cin: number, cout: number): ParamLayer => ({
    name: `${block.name}_${suffix}`,
    caffe: `${block.caffe}/${caffeSuffix}`,
    kind: 'conv',
    k,
    inChannels: cin,
    outChannels: cout,
  });
  return [
    conv('1x1', '1x1', 1, inChannels, w1),
    conv('3x3_bottleneck', '3x3_reduce', 1, inChannels, w3r),
    conv('3x3', '3x3', 3, w3r, w3),
    conv('5x5_bottleneck', '5x5_reduce', 1, inChannels, w5r),
    conv('5x5', '5x5', 5, w5r, w5),
    conv('pool_reduce', 'pool_proj', 1, inChannels, wp),
  ];
}

/** Every layer with weights, in graph order: 57 convs and the classifier (116 caffejs files). */
export function paramLayers(): ParamLayer[] {
  const out: ParamLayer[] = [...STEM_CONVS];
  let channels = STEM_CONVS.at(-1)!.outChannels;
  for (const block of INCEPTION_BLOCKS) {
    out.push(...inceptionConvs(block, channels));
    channels = blockDepth(block);
  }
  if (channels !== CLASSIFIER.inChannels)
    throw new Error(`GoogLeNet table is inconsistent: mixed5b gives ${channels} channels, the classifier takes ${CLASSIFIER.inChannels}.`);
  out.push(CLASSIFIER);
  return out;
}

/** TensorFlow shape of a layer's weight: HWIO for convs, [in, out] for the classifier. */
export const tfWeightShape = (l: ParamLayer) =>
  l.kind === 'conv' ? [l.k, l.k, l.inChannels, l.outChannels] : [l.inChannels, l.outChannels];

/** caffejs file paths (relative to `models/bvlc_googlenet/weights/`). */
export const filterFile = (l: ParamLayer) => `${l.caffe}_filter.bin`;
export const biasFile = (l: ParamLayer) => `${l.caffe}_bias.bin`;
