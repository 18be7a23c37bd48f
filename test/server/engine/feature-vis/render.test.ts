import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxInputGradients } from '../../../../server/engine/feature-vis/input-gradients/onnx-input-gradients.js';
import { direction } from '../../../../server/engine/feature-vis/objective.js';
import { renderChannels } from '../../../../server/engine/feature-vis/render.js';
import { IMAGES, image224, sharedNetwork } from '../../../helpers/fixtures.js';

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
    const photos = readdirSync(`${IMAGES}/224`)
      .filter((f) => f.endsWith('.png'))
      .map((f) => f.replace(/\.png$/, ''));
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

  it('renders a direction objective (a neuron group): its weighted mean rises, with its own random stream', async () => {
    const weights = new Float32Array(256);
    weights[3] = 1;
    weights[7] = 0.5;
    const req = { layer: 'mixed3a', size: 48, steps: 6, seed: 2 };
    const [group, ch] = await renderChannels(engine, {
      ...req,
      objectives: [direction('mixed3a', 'group-1', weights), { layer: 'mixed3a', channel: 3, describe: 'Channel(mixed3a:3)' }],
    });
    expect(group.channel).toBe(-1);
    expect(group.objective).toMatchObject({ key: 'group-1' });
    expect(group.activation).toBeGreaterThan(group.startActivation);
    expect(ch.channel).toBe(3);
    expect(group.rgb).not.toEqual(ch.rgb);
    await expect(renderChannels(engine, { ...req, objectives: [direction('mixed3a', 'bad', new Float32Array(3))] })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
    });
  });

  it('waits in beforeStep before every step (where a low-priority render yields)', async () => {
    const seen: number[] = [];
    let steps = 0;
    await renderChannels(
      engine,
      { layer: 'mixed3a', channels: [1], size: 48, steps: 3, seed: 1 },
      {
        beforeStep: async () => {
          seen.push(steps);
          await new Promise((r) => setTimeout(r, 5));
        },
        onStep: (s) => (steps = s),
      },
    );
    expect(seen).toEqual([0, 1, 2]);
  });

  it('stops at the next step once cancelled, with CANCELLED', async () => {
    const ctl = new AbortController();
    const run = renderChannels(
      engine,
      { layer: 'mixed3a', channels: [1], size: 48, steps: 1000, seed: 1 },
      {
        signal: ctl.signal,
        onStep: (s) => s === 2 && ctl.abort(),
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses bad sizes and step counts', async () => {
    await expect(renderChannels(engine, { layer: 'mixed3a', channels: [1], size: 63, steps: 4, seed: 1 })).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
    });
    await expect(renderChannels(engine, { layer: 'mixed3a', channels: [1], size: 64, steps: 0, seed: 1 })).rejects.toMatchObject({
      code: 'BAD_STEPS',
    });
  });
});
