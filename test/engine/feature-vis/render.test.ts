import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxInputGradients } from '../../../server/engine/feature-vis/onnx-input-gradients.js';
import { renderChannels } from '../../../server/engine/feature-vis/render.js';
import { IMAGES, image224, sharedNetwork } from '../../helpers/fixtures.js';

describe('renderChannels', () => {
  let engine: OnnxInputGradients;
  beforeAll(async () => {
    engine = await OnnxInputGradients.create(sharedNetwork(), { threads: 2 });
  });
  afterAll(() => engine.dispose());

  it('a few steps on one channel of mixed4a raise its activation far above the start image and the photos', async () => {
    const layer = 'mixed4a';
    const ch = 0;
    const [sprite] = await renderChannels(engine, { layer, channels: [ch], size: 64, steps: 24, seed: 3 });
    expect(sprite.rgb.length).toBe(64 * 64 * 3);
    // Independent yardstick: the channel's mean activation on each example photo (224 px), via the same engine.
    const photos = readdirSync(`${IMAGES}/224`).filter((f) => f.endsWith('.png')).map((f) => f.replace(/\.png$/, ''));
    const onPhotos: number[] = [];
    for (const name of photos) {
      const { activations } = await engine.channelGradients(layer, 224, image224(name), [ch]);
      onPhotos.push(activations[0]);
    }
    const best = Math.max(...onPhotos);
    expect(best).toBeGreaterThan(0);
    // Channel 0 is 0 on the grey start (after its ReLU): floor 1, on a scale where photos reach ~10.
    expect(sprite.activation).toBeGreaterThan(10 * Math.max(sprite.startActivation, 1));
    expect(sprite.activation).toBeGreaterThan(10 * best);
    // The sprite is an image, not a flat field: its pixels vary.
    const values = new Set(sprite.rgb);
    expect(values.size).toBeGreaterThan(100);
  });

  it('a channel renders the same whichever channels share its batch (resume relies on it)', async () => {
    const req = { layer: 'mixed3a', size: 48, steps: 3, seed: 11 };
    const [alone] = await renderChannels(engine, { ...req, channels: [7] });
    const together = await renderChannels(engine, { ...req, channels: [3, 7] });
    const diff = alone.rgb.reduce((m, v, i) => Math.max(m, Math.abs(v - together[1].rgb[i])), 0);
    expect(diff).toBeLessThanOrEqual(1);
    expect(together[0].rgb).not.toEqual(together[1].rgb);
  });

  it('stops at the next step once cancelled, with CANCELLED', async () => {
    const ctl = new AbortController();
    const run = renderChannels(engine, { layer: 'mixed3a', channels: [1], size: 48, steps: 1000, seed: 1 }, {
      signal: ctl.signal,
      onStep: (s) => s === 2 && ctl.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses bad sizes and step counts', async () => {
    await expect(renderChannels(engine, { layer: 'mixed3a', channels: [1], size: 63, steps: 4, seed: 1 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(renderChannels(engine, { layer: 'mixed3a', channels: [1], size: 64, steps: 0, seed: 1 })).rejects.toMatchObject({ code: 'BAD_STEPS' });
  });
});

