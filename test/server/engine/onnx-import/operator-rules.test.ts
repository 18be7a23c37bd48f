import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../server/engine/seeded-random.js';
import { OPERATOR_RULES } from '../../../../server/engine/onnx-import/operator-rules.js';
import { check, f32, float, i64, int, ints, randomConstant, spaced, str, type OperatorCase } from './operator-rule-harness.js';

/**
 * Each entry of the operator table, alone, against finite differences of ONNX Runtime's own
 * forward pass of that one node (operator-rule-harness.ts): output shapes as ONNX Runtime
 * computes them, J^T w . v against (w . f(x + h v) - w . f(x - h v)) / 2h along random
 * directions, and a batch of two against two batches of one. Inputs are spread on a shuffled
 * grid away from 0, so no ReLU kink or max-pool tie sits within h of an input.
 */
const rand = mulberry32(42);
const weight = (dims: number[], scale = 0.5) => ({ constant: randomConstant(rand, dims, scale) });
const positive = (r: () => number, n: number) => spaced(r, n).map((v) => Math.abs(v) + 0.5);
const wide = (lo: number, hi: number, avoid: number[]) => (r: () => number, n: number) =>
  spaced(r, n).map((v) => {
    let x = lo + ((v + 2) / 4) * (hi - lo);
    for (const k of avoid) if (Math.abs(x - k) < 0.1) x += 0.2;
    return x;
  });

const X = [1, 3, 6, 6];
const live = (shape = X, values?: (r: () => number, n: number) => number[]) => ({ live: shape, values });

const CASES: Record<string, [string, OperatorCase][]> = {
  Relu: [['', { op: 'Relu', inputs: [live()] }]],
  LeakyRelu: [['alpha 0.1', { op: 'LeakyRelu', inputs: [live()], attrs: { alpha: float(0.1) } }]],
  Sigmoid: [['', { op: 'Sigmoid', inputs: [live()] }]],
  Tanh: [['', { op: 'Tanh', inputs: [live()] }]],
  HardSigmoid: [
    [
      'MobileNet V3 (1/6, 1/2)',
      { op: 'HardSigmoid', inputs: [live(X, wide(-5, 5, [-3, 3]))], attrs: { alpha: float(1 / 6), beta: float(0.5) } },
    ],
  ],
  HardSwish: [['', { op: 'HardSwish', inputs: [live(X, wide(-5, 5, [-3, 3]))] }]],
  Erf: [['', { op: 'Erf', inputs: [live()] }]],
  Gelu: [
    ['exact (opset 20)', { op: 'Gelu', inputs: [live()], opset: 20 }],
    ['tanh (opset 20)', { op: 'Gelu', inputs: [live()], attrs: { approximate: str('tanh') }, opset: 20 }],
  ],
  Exp: [['', { op: 'Exp', inputs: [live()] }]],
  Neg: [['', { op: 'Neg', inputs: [live()] }]],
  Reciprocal: [['', { op: 'Reciprocal', inputs: [live(X, positive)] }]],
  Sqrt: [['', { op: 'Sqrt', inputs: [live(X, positive)] }]],
  Softplus: [['', { op: 'Softplus', inputs: [live()] }]],
  Elu: [['', { op: 'Elu', inputs: [live()], attrs: { alpha: float(0.7) } }]],
  Clip: [
    ['ReLU6 (min 0, max 6 as inputs)', { op: 'Clip', inputs: [live(X, wide(-2, 8, [0, 6])), f32([0], []), f32([6], [])] }],
    ['min only', { op: 'Clip', inputs: [live(), f32([-0.5], [])] }],
  ],
  Identity: [['', { op: 'Identity', inputs: [live()] }]],
  Cast: [['to float32', { op: 'Cast', inputs: [live()], attrs: { to: int(1) } }]],
  Softmax: [
    ['axis 1 of logits', { op: 'Softmax', inputs: [live([1, 7])], attrs: { axis: int(1) } }],
    ['last axis of a map', { op: 'Softmax', inputs: [live()], attrs: { axis: int(-1) } }],
  ],
  LogSoftmax: [['axis 1', { op: 'LogSoftmax', inputs: [live([1, 7])], attrs: { axis: int(1) } }]],

  Add: [
    ['a per-channel constant', { op: 'Add', inputs: [live(), weight([3, 1, 1])] }],
    ['two live values (a residual)', { op: 'Add', inputs: [live(), live()] }],
    ['live [1,C,1,1] broadcast over live [1,C,H,W]', { op: 'Add', inputs: [live(), live([1, 3, 1, 1])] }],
  ],
  Sub: [
    ['constant minus live', { op: 'Sub', inputs: [weight([1, 3, 1, 1]), live()] }],
    ['live minus a live mean', { op: 'Sub', inputs: [live(), live([1, 1, 6, 6])] }],
  ],
  Mul: [
    ['squeeze-excitation scale', { op: 'Mul', inputs: [live(), live([1, 3, 1, 1])] }],
    ['a scalar constant', { op: 'Mul', inputs: [f32([0.5], []), live()] }],
  ],
  Div: [
    ['by a constant', { op: 'Div', inputs: [live(), f32([1.41421356], [])] }],
    ['by a live value', { op: 'Div', inputs: [live(), live([1, 1, 6, 6], positive)] }],
  ],
  Pow: [
    ['square', { op: 'Pow', inputs: [live(), f32([2], [])] }],
    ['cube root of positives', { op: 'Pow', inputs: [live(X, positive), f32([1 / 3], [])] }],
  ],
  PRelu: [['per-channel slope', { op: 'PRelu', inputs: [live(), weight([3, 1, 1])] }]],
  Sum: [['three live values', { op: 'Sum', inputs: [live(), live(), live([1, 3, 1, 1])] }]],

  Conv: [
    ['3x3, pads 1, bias', { op: 'Conv', inputs: [live(), weight([4, 3, 3, 3]), weight([4])], attrs: { pads: ints([1, 1, 1, 1]) } }],
    [
      '3x3, stride 2',
      { op: 'Conv', inputs: [live([1, 3, 7, 7]), weight([4, 3, 3, 3])], attrs: { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
    ],
    ['groups 2', { op: 'Conv', inputs: [live([1, 4, 6, 6]), weight([6, 2, 3, 3])], attrs: { pads: ints([1, 1, 1, 1]), group: int(2) } }],
    [
      'depthwise, stride 2',
      {
        op: 'Conv',
        inputs: [live([1, 4, 8, 8]), weight([4, 1, 3, 3])],
        attrs: { pads: ints([1, 1, 1, 1]), group: int(4), strides: ints([2, 2]) },
      },
    ],
    [
      'dilation 2',
      { op: 'Conv', inputs: [live([1, 3, 8, 8]), weight([4, 3, 3, 3])], attrs: { pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) } },
    ],
    ['asymmetric pads', { op: 'Conv', inputs: [live(), weight([2, 3, 2, 2])], attrs: { pads: ints([0, 1, 1, 0]) } }],
    [
      'auto_pad SAME_UPPER, stride 2',
      { op: 'Conv', inputs: [live([1, 3, 8, 8]), weight([2, 3, 4, 4])], attrs: { auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) } },
    ],
    [
      '1x1, stride 3 (rows no window reads)',
      { op: 'Conv', inputs: [live([1, 3, 8, 8]), weight([2, 3, 1, 1])], attrs: { strides: ints([3, 3]) } },
    ],
    ['padded beyond the kernel', { op: 'Conv', inputs: [live(), weight([2, 3, 1, 1])], attrs: { pads: ints([1, 1, 1, 1]) } }],
  ],
  MaxPool: [
    [
      '3x3, stride 2, pads 1',
      {
        op: 'MaxPool',
        inputs: [live([1, 3, 7, 7])],
        attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
      },
    ],
    [
      'ceil_mode (SqueezeNet)',
      { op: 'MaxPool', inputs: [live([1, 2, 8, 8])], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) } },
    ],
    ['2x2, stride 2', { op: 'MaxPool', inputs: [live()], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } }],
    ['3x3, stride 1, SAME', { op: 'MaxPool', inputs: [live()], attrs: { kernel_shape: ints([3, 3]), auto_pad: str('SAME_UPPER') } }],
    ['dilated', { op: 'MaxPool', inputs: [live([1, 2, 8, 8])], attrs: { kernel_shape: ints([2, 2]), dilations: ints([2, 2]) } }],
  ],
  AveragePool: [
    [
      '3x3, pads 1, count_include_pad 0',
      { op: 'AveragePool', inputs: [live()], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
    ],
    [
      '3x3, pads 1, count_include_pad 1',
      { op: 'AveragePool', inputs: [live()], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), count_include_pad: int(1) } },
    ],
    [
      '2x2, stride 2 (DenseNet transition)',
      { op: 'AveragePool', inputs: [live([1, 3, 7, 7])], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
    ],
    [
      'ceil_mode, pads 1',
      {
        op: 'AveragePool',
        inputs: [live([1, 2, 8, 8])],
        attrs: {
          kernel_shape: ints([3, 3]),
          strides: ints([2, 2]),
          pads: ints([1, 1, 1, 1]),
          ceil_mode: int(1),
          count_include_pad: int(1),
        },
      },
    ],
    [
      'ceil_mode, count_include_pad 0',
      { op: 'AveragePool', inputs: [live([1, 2, 8, 8])], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) } },
    ],
  ],
  GlobalAveragePool: [['', { op: 'GlobalAveragePool', inputs: [live()] }]],
  GlobalMaxPool: [['', { op: 'GlobalMaxPool', inputs: [live()] }]],
  BatchNormalization: [
    [
      'inference form, random statistics',
      {
        op: 'BatchNormalization',
        inputs: [
          live(),
          weight([3]),
          weight([3]),
          weight([3]),
          { constant: { dtype: 'float32', dims: [3], data: Float32Array.from([0.3, 1.7, 0.05]) } },
        ],
        attrs: { epsilon: float(1e-3) },
      },
    ],
  ],
  LayerNormalization: [
    [
      'last axis (ConvNeXt, NHWC)',
      { op: 'LayerNormalization', inputs: [live([1, 4, 4, 5]), weight([5]), weight([5])], attrs: { axis: int(-1), epsilon: float(1e-6) } },
    ],
    ['axis 1 over C, H, W, no bias', { op: 'LayerNormalization', inputs: [live(), weight([3, 6, 6])], attrs: { axis: int(1) } }],
  ],
  LRN: [
    [
      'size 5 (GoogLeNet)',
      { op: 'LRN', inputs: [live([1, 7, 4, 4])], attrs: { size: int(5), alpha: float(0.2), beta: float(0.75), bias: float(1) } },
    ],
    ['size 3', { op: 'LRN', inputs: [live([1, 6, 3, 3])], attrs: { size: int(3), alpha: float(0.3), beta: float(0.5), bias: float(2) } }],
  ],

  MatMul: [
    ['by a constant matrix (GoogLeNet classifier)', { op: 'MatMul', inputs: [live([1, 6]), weight([6, 4])] }],
    ['a Linear over NHWC (ConvNeXt)', { op: 'MatMul', inputs: [live([1, 3, 3, 6]), weight([6, 4])] }],
    ['two live matrices', { op: 'MatMul', inputs: [live([1, 3, 4]), live([1, 4, 5])] }],
    ['a constant matrix times live maps', { op: 'MatMul', inputs: [weight([5, 6]), live()] }],
  ],
  Gemm: [
    [
      'transB 1 with bias (torchvision Linear)',
      { op: 'Gemm', inputs: [live([1, 6]), weight([4, 6]), weight([4])], attrs: { transB: int(1) } },
    ],
    [
      'transB 0, alpha and beta',
      { op: 'Gemm', inputs: [live([1, 6]), weight([6, 4]), weight([1, 4])], attrs: { alpha: float(0.5), beta: float(2) } },
    ],
  ],
  ReduceMean: [
    ['spatial mean (axes as input)', { op: 'ReduceMean', inputs: [live(), i64([2, 3])], attrs: { keepdims: int(0) } }],
    ['channel mean, keepdims', { op: 'ReduceMean', inputs: [live(), i64([1])] }],
  ],
  ReduceSum: [['over channels', { op: 'ReduceSum', inputs: [live(), i64([1])], attrs: { keepdims: int(1) } }]],

  Concat: [
    ['channels of two live values', { op: 'Concat', inputs: [live(), live([1, 2, 6, 6])], attrs: { axis: int(1) } }],
    ['along width', { op: 'Concat', inputs: [live(), live([1, 3, 6, 2])], attrs: { axis: int(-1) } }],
  ],
  Split: [
    ['sizes as input', { op: 'Split', inputs: [live([1, 5, 4, 4]), i64([2, 3])], attrs: { axis: int(1) }, outputs: 2 }],
    ['equal parts (num_outputs)', { op: 'Split', inputs: [live([1, 6, 4, 4])], attrs: { axis: int(1), num_outputs: int(3) }, outputs: 3 }],
  ],
  Slice: [
    ['channels 1..3', { op: 'Slice', inputs: [live(), i64([1]), i64([3]), i64([1])] }],
    [
      'from -4 to the end of H and W',
      { op: 'Slice', inputs: [live(), i64([-4, 1]), i64([9223372036854775807, 9223372036854775807]), i64([2, 3])] },
    ],
  ],
  Pad: [
    ['constant pads on H, W', { op: 'Pad', inputs: [live(), i64([0, 0, 1, 2, 0, 0, 2, 1])], attrs: { mode: str('constant') } }],
    ['negative pads (a crop)', { op: 'Pad', inputs: [live(), i64([0, 0, -1, 0, 0, 0, 0, -2])], attrs: { mode: str('constant') } }],
    ['a value of -inf before a max-pool', { op: 'Pad', inputs: [live(), i64([0, 0, 0, 0, 0, 0, 1, 1]), f32([-1e9], [])] }],
  ],
  Reshape: [
    ['flatten with the traced batch of 1', { op: 'Reshape', inputs: [live(), i64([1, -1])] }],
    ['channel shuffle to 5-D', { op: 'Reshape', inputs: [live([1, 4, 3, 3]), i64([1, 2, 2, 3, 3])] }],
  ],
  Flatten: [['axis 1', { op: 'Flatten', inputs: [live()], attrs: { axis: int(1) } }]],
  Transpose: [
    ['to NHWC', { op: 'Transpose', inputs: [live()], attrs: { perm: ints([0, 2, 3, 1]) } }],
    ['channel shuffle', { op: 'Transpose', inputs: [live([1, 2, 3, 2, 2])], attrs: { perm: ints([0, 2, 1, 3, 4]) } }],
  ],
  Squeeze: [
    ['axes as input', { op: 'Squeeze', inputs: [live([1, 3, 1, 1]), i64([2, 3])] }],
    ['every axis of size 1 (the batch too: runs one item at a time)', { op: 'Squeeze', inputs: [live([1, 3, 1, 1])] }],
  ],
  Unsqueeze: [['last axis', { op: 'Unsqueeze', inputs: [live([1, 3]), i64([-1])] }]],
  Expand: [['[1,C,1,1] over a map', { op: 'Expand', inputs: [live([1, 3, 1, 1]), i64([1, 3, 4, 4])] }]],
  Gather: [
    ['two channels', { op: 'Gather', inputs: [live(), i64([2, 0])], attrs: { axis: int(1) } }],
    ['one channel, the axis dropped', { op: 'Gather', inputs: [live(), i64([1], [])], attrs: { axis: int(1) } }],
  ],
};

describe('every operator in the table has a finite-difference test here', () => {
  it('covers the table', () => {
    expect(Object.keys(OPERATOR_RULES).filter((op) => !CASES[op])).toEqual([]);
  });
});

for (const [op, cases] of Object.entries(CASES)) {
  describe(op, () => {
    for (const [name, c] of cases) {
      it(`${name || op}: shapes, finite differences of ONNX Runtime's forward, batch`, async () => {
        const r = await check(c);
        expect(r.ruleShapes).toEqual(r.ortShapes);
        expect(r.worstRelativeError).toBeLessThan(2e-3);
        expect(r.batchMismatch).toBeLessThan(1e-6);
      });
    }
  });
}
