import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../../server/engine/seeded-random.js';
import { TfjsExecutor } from '../../../../../server/engine/executors/tfjs.js';
import { compileInputGradientGraph } from '../../../../../server/engine/feature-vis/input-gradients/input-gradient-graph.js';
import { OnnxInputGradients } from '../../../../../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { TfjsInputGradients } from '../../../../../server/engine/feature-vis/input-gradients/tfjs-input-gradients.js';
import { tf } from '../../../../../server/engine/executors/tfjs-backend.js';
import { withInputSize } from '../../../../../server/engine/network/network.js';
import { relativeL2, sharedNetwork } from '../../../../helpers/fixtures.js';

/**
 * Smooth random images (sums of a few sinusoids plus faint noise), like the renders; inside
 * 0..255 without clipping. Flat (clipped) regions make exact ties in max-pools, where two engines'
 * last-bit differences legitimately route the gradient to different elements.
 */
function smoothImages(count: number, size: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(count * size * size * 3);
  for (let b = 0; b < count; b++) {
    for (let c = 0; c < 3; c++) {
      const waves = Array.from({ length: 4 }, () => [r() * 0.4, r() * 0.4, r() * 6.28, 10 + 18 * r()]);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let v = 128;
          for (const [fx, fy, ph, amp] of waves) v += amp * Math.sin(fx * x + fy * y + ph);
          out[((b * size + y) * size + x) * 3 + c] = v + 10 * (r() - 0.5);
        }
      }
    }
  }
  return out;
}

// Oracle: tf.grad on the cpu backend, over the tfjs executor's forward pass (the cpu
// MaxPoolGrad routes to the first maximum, as TensorFlow's own kernel). The ONNX graph's backward is hand-derived, so the two are independent.
describe('input gradients through the stem (Pad, stride-2 conv, max-pools, LRN)', () => {
  const size = 64;
  let onnx: OnnxInputGradients;
  let cpu: TfjsInputGradients;
  beforeAll(async () => {
    onnx = await OnnxInputGradients.create(sharedNetwork(), { threads: 2 });
    cpu = new TfjsInputGradients(await TfjsExecutor.create(sharedNetwork(), 'cpu'));
  });
  afterAll(async () => {
    await onnx.dispose();
  });

  for (const [layer, channels] of [
    ['mixed4a', [0, 97, 300]],
    ['mixed3a', [5, 200]],
  ] as const) {
    it(`${layer} at ${size} px, channels ${channels.join(', ')}: ONNX matches tf.grad (cpu)`, async () => {
      const images = smoothImages(channels.length, size, channels[0] + 1);
      const a = await onnx.channelGradients(layer, size, images, [...channels]);
      const b = await cpu.channelGradients(layer, size, images, [...channels]);
      expect(a.grads.length).toBe(channels.length * size * size * 3);
      for (let i = 0; i < channels.length; i++) {
        expect(a.objectives[i]).toBeCloseTo(b.objectives[i], 3);
        expect(a.activations[i]).toBeCloseTo(b.activations[i], 3);
        // A ReLU'd mean is at least the pre-ReLU mean.
        expect(a.activations[i]).toBeGreaterThanOrEqual(a.objectives[i] - 1e-4);
        const per = size * size * 3;
        const ga = a.grads.subarray(i * per, (i + 1) * per);
        const gb = b.grads.subarray(i * per, (i + 1) * per);
        expect(Math.max(...Array.from(gb, Math.abs))).toBeGreaterThan(0);
        expect(relativeL2(ga, gb)).toBeLessThan(1e-4);
      }
    });
  }

  it('matches central differences of the objective along the gradient', async () => {
    const layer = 'mixed4a';
    const images = smoothImages(1, size, 42);
    const { grads, objectives } = await onnx.channelGradients(layer, size, images, [97]);
    // Direction: the normalized gradient; d/dt f(x + t u) = |grad|.
    const norm = Math.sqrt(grads.reduce((s, g) => s + g * g, 0));
    const h = 0.5;
    const probe = new Float32Array(images.length * 2);
    for (let i = 0; i < images.length; i++) {
      probe[i] = images[i] + (h * grads[i]) / norm;
      probe[images.length + i] = images[i] - (h * grads[i]) / norm;
    }
    const f = await onnx.channelGradients(layer, size, probe, [97, 97]);
    expect(objectives[0]).not.toBe(0);
    expect((f.objectives[0] - f.objectives[1]) / (2 * h)).toBeCloseTo(norm, 2);
  });

  // The wasm MaxPoolGrad bug (ties, windows with max <= 0) cannot reach this objective: every
  // pool reads ReLU output, whose zeros block the gradient underneath anyway (tfjs-input-gradients.ts).
  it('tf.grad on wasm agrees with cpu for this objective, so the wasm fallback is sound', async () => {
    const layer = 'mixed3a';
    const images = smoothImages(2, size, 9);
    const b = await cpu.channelGradients(layer, size, images, [5, 200]);
    try {
      const wasm = new TfjsInputGradients(await TfjsExecutor.create(sharedNetwork(), 'wasm'));
      const a = await wasm.channelGradients(layer, size, images, [5, 200]);
      expect(relativeL2(a.grads, b.grads)).toBeLessThan(1e-4);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('a direction objective is the weighted sum of its channels: value and gradient (linearity)', async () => {
    const layer = 'mixed4a';
    const images = smoothImages(1, size, 5);
    const [a, b] = [0.7, -1.3];
    const weights = new Float32Array(512);
    weights[97] = a;
    weights[300] = b;
    const both = new Float32Array(images.length * 2);
    both.set(images);
    both.set(images, images.length);
    const channels = await onnx.channelGradients(layer, size, both, [97, 300]);
    const dir = await onnx.objectiveGradients(layer, size, images, weights);
    expect(dir.objectives[0]).toBeCloseTo(a * channels.objectives[0] + b * channels.objectives[1], 3);
    const per = images.length;
    const expected = Float32Array.from({ length: per }, (_, i) => a * channels.grads[i] + b * channels.grads[per + i]);
    expect(relativeL2(dir.grads, expected)).toBeLessThan(1e-5);
    await expect(onnx.objectiveGradients(layer, size, images, new Float32Array(511))).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('a batch split into lanes (this thread + a helper thread) gives what one single-threaded run gives, bit for bit', async () => {
    const single = await OnnxInputGradients.create(sharedNetwork(), { threads: 1 });
    try {
      // Three items over two lanes: an uneven split (2 here, 1 in the helper).
      const images = smoothImages(3, size, 77);
      const a = await onnx.channelGradients('mixed3a', size, images, [5, 200, 31]);
      const b = await single.channelGradients('mixed3a', size, images, [5, 200, 31]);
      expect(Array.from(a.objectives)).toEqual(Array.from(b.objectives));
      expect(Array.from(a.activations)).toEqual(Array.from(b.activations));
      expect(a.grads.length).toBe(b.grads.length);
      expect(a.grads.every((g, i) => g === b.grads[i])).toBe(true);
      // Each lane's share is its own items': the helper's item differs from the others.
      const per = size * size * 3;
      expect(a.grads.subarray(2 * per).some((g, i) => g !== a.grads[i])).toBe(true);
    } finally {
      await single.dispose();
    }
  });

  it('refuses sizes below 32 px, unknown layers, channels out of range and wrong pixel counts', async () => {
    expect(() => withInputSize(sharedNetwork(), 16)).toThrow(/32 to 1024/);
    // The smallest size still gives every mixed layer a map: mixed5b is 1x1 at 32 px.
    expect(compileInputGradientGraph(withInputSize(sharedNetwork(), 32), 'mixed5b').byteLength).toBeGreaterThan(1e6);
    await expect(onnx.channelGradients('mixed4a', size, smoothImages(1, size, 1), [512])).rejects.toThrow(/channels 0\.\.511/);
    await expect(onnx.channelGradients('nope', size, smoothImages(1, size, 1), [0])).rejects.toMatchObject({ code: 'UNKNOWN_LAYER' });
    await expect(onnx.channelGradients('mixed4a', size, new Float32Array(5), [0])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
