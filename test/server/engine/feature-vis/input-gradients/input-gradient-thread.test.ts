import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputGradientThread } from '../../../../../server/engine/feature-vis/input-gradients/input-gradient-thread.js';
import { compileInputGradientGraph } from '../../../../../server/engine/feature-vis/input-gradients/input-gradient-graph.js';
import { OnnxInputGradients } from '../../../../../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { withInputSize } from '../../../../../server/engine/network/network.js';
import { sharedNetwork } from '../../../../helpers/fixtures.js';

const size = 32;
const options = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

describe('InputGradientThread (a helper thread with its own ORT session)', () => {
  let engine: OnnxInputGradients;
  beforeAll(async () => {
    engine = await OnnxInputGradients.create(sharedNetwork(), { threads: 1 });
  });
  afterAll(() => engine.dispose());

  it("runs the graph as this thread's session does, and fails at once (not hangs) once its thread is gone", async () => {
    const lane = await InputGradientThread.start(compileInputGradientGraph(withInputSize(sharedNetwork(), size), 'mixed3a'), options);
    const images = Float32Array.from({ length: size * size * 3 }, (_, i) => 128 + 60 * Math.sin(i * 0.13));
    const weights = new Float32Array(256);
    weights[5] = 1;
    const there = await lane.run(images, weights, 1, size, 256);
    const here = await engine.objectiveGradients('mixed3a', size, images, weights);
    expect(Array.from(there.objective)).toEqual(Array.from(here.objectives));
    expect(there.grad.every((g, i) => g === here.grads[i])).toBe(true);
    await lane.terminate();
    expect(lane.alive).toBe(false);
    await expect(lane.run(images, weights, 1, size, 256)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('an engine whose helper thread died starts fresh lanes for the next batch', async () => {
    const two = await OnnxInputGradients.create(sharedNetwork(), { threads: 2 });
    try {
      const images = Float32Array.from({ length: 2 * size * size * 3 }, (_, i) => 128 + 60 * Math.sin(i * 0.07));
      const weights = new Float32Array(2 * 256);
      weights[5] = 1;
      weights[256 + 9] = 1;
      const first = await two.objectiveGradients('mixed3a', size, images, weights);
      // Reach into the engine for its helper and stop it, as a crash would.
      const laned = (two as unknown as { laned: Map<string, Promise<{ helpers: InputGradientThread[] }>> }).laned;
      const { helpers } = await laned.get(`mixed3a@${size}`)!;
      await helpers[0].terminate();
      const again = await two.objectiveGradients('mixed3a', size, images, weights);
      expect(again.grads.every((g, i) => g === first.grads[i])).toBe(true);
      const { helpers: fresh } = await laned.get(`mixed3a@${size}`)!;
      expect(fresh[0]).not.toBe(helpers[0]);
      expect(fresh[0].alive).toBe(true);
    } finally {
      await two.dispose();
    }
  });

  it('a graph ORT rejects fails the start with BACKEND_UNAVAILABLE', async () => {
    await expect(InputGradientThread.start(new Uint8Array([1, 2, 3]), options)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
