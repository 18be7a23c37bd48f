import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutor } from '../../../server/engine/executors/index.js';
import { createInputGradientEngine } from '../../../server/engine/feature-vis/index.js';
import { BuildingBlocksWorker } from '../../../server/workers/building-blocks-handlers.js';
import { image224, sharedNetwork } from '../../helpers/fixtures.js';

const executor = await createExecutor(sharedNetwork(), 'onnx', { threads: 1 });
afterAll(() => executor.dispose());

describe('group icons', () => {
  it("renders each group's channel factor as a direction objective, one PNG per group, in one batch", async () => {
    const engine = createInputGradientEngine(executor, 1);
    const blocks = new BuildingBlocksWorker(executor, () => engine);
    const { groups } = await blocks.groups(image224('dog_cat_composite'), { layer: 'mixed4a', groups: 2, seed: 0, score: null });
    // A short render (the service uses the thumbnail profile): enough to leave the grey start.
    const { icons } = await blocks.icons({
      layer: 'mixed4a',
      directions: groups.channelFactors,
      key: 'test',
      size: 48,
      steps: 16,
      seed: 0,
    });
    expect(icons).toHaveLength(2);
    const pixels = icons.map((b) => {
      const png = PNG.sync.read(Buffer.from(b));
      expect([png.width, png.height]).toEqual([48, 48]);
      return png.data;
    });
    const spread = (d: Uint8Array) => {
      let min = 255,
        max = 0;
      for (let i = 0; i < d.length; i += 4) [min, max] = [Math.min(min, d[i]), Math.max(max, d[i])];
      return max - min;
    };
    for (const d of pixels) expect(spread(d)).toBeGreaterThan(40);
    expect(Buffer.compare(Buffer.from(pixels[0]), Buffer.from(pixels[1]))).not.toBe(0);
  });
});
