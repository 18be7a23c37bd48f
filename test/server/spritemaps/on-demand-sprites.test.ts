import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_PROFILE, type SpriteProfile } from '../../../server/engine/feature-vis/profiles.js';
import { OnDemandSprites, profileSprites, type LayerSprites } from '../../../server/spritemaps/on-demand-sprites.js';
import { SpriteStore } from '../../../server/spritemaps/sprite-store.js';
import { RenderLane } from '../../../server/scheduling/render-lane.js';
import { validateInput } from '../../../server/engine/attribution/validate.js';
import { BuildingBlocksService, type BuildingBlocksEngine } from '../../../server/building-blocks/building-blocks-service.js';
import type { NeuronGroups } from '../../../server/engine/building-blocks/neuron-groups.js';
import { image224, MODEL_DIR } from '../../helpers/fixtures.js';
import { sharedPoolWithRoots } from '../helpers/test-server.js';

// A profile small enough for a loaded CI machine; the real thumbnail profile runs in the e2e test.
const TINY: SpriteProfile = { name: 'thumbnail', size: 32, steps: 3, batch: 2 };

describe('sprites on demand', () => {
  const files = sharedPoolWithRoots('sprites-');
  const { freshRoot } = files;

  /** Collects a layer's events until `until` holds. */
  async function watch(sprites: OnDemandSprites, layer: string, until: (s: LayerSprites) => boolean) {
    const ctl = new AbortController();
    const seen: LayerSprites[] = [];
    for await (const s of sprites.subscribe(layer, ctl.signal)) {
      seen.push(s);
      if (until(s)) break;
    }
    ctl.abort();
    return seen;
  }

  it('renders what was asked, most urgent first (a background batch just started gives way), saves each sprite and announces it', async () => {
    const store = new SpriteStore(freshRoot());
    const sprites = new OnDemandSprites(files.pool, new RenderLane(), store, { background: false, profile: TINY });
    const layer = 'mixed3a';
    const arrival: number[] = [];
    const watching = watch(sprites, layer, (s) => {
      for (const c of s.sprites) if (!arrival.includes(c.channel)) arrival.push(c.channel);
      return s.sprites.length === 4;
    });
    const first = sprites.request(layer, [0, 1], 'BACKGROUND');
    // The first batch (0, 1) starts at once; 7 and 8 are queued more urgent than 2, and the
    // background batch, not yet half done, is stopped and goes back in the queue.
    sprites.request(layer, [2], 'BACKGROUND');
    const after = sprites.request(layer, [7, 8], 'VISIBLE');
    expect(first.pending.map((p) => [p.channel, p.status])).toEqual([
      [0, 'RENDERING'],
      [1, 'RENDERING'],
    ]);
    expect(after.pending.filter((p) => p.status === 'QUEUED').map((p) => p.channel)).toEqual([7, 8, 2]);
    const seen = await watching;
    expect(arrival.slice(0, 2).sort()).toEqual([7, 8]);
    expect(arrival.slice(2, 4).sort()).toEqual([0, 1]);
    expect(seen.some((s) => s.pending.some((p) => p.status === 'RENDERING'))).toBe(true);
    for (const c of [0, 1, 7, 8]) expect(existsSync(store.spritePath(profileSprites(layer, TINY), c))).toBe(true);
    expect(sprites.sprite(layer, 7)).toMatchObject({ profile: 'thumbnail', size: 32, path: '/sprites/mixed3a/thumbnail/7.png' });
    await watch(sprites, layer, (s) => s.sprites.length === 5);
    // Asking again for rendered channels queues nothing.
    expect(sprites.request(layer, [0, 7], 'VISIBLE').pending).toEqual([]);
    sprites.close();
  });

  it('prefers the full profile where a full sprite exists', () => {
    const store = new SpriteStore(freshRoot());
    const sprites = new OnDemandSprites(files.pool, new RenderLane(), store, { background: false, profile: TINY });
    const full = store.spritePath(profileSprites('mixed4d', FULL_PROFILE), 12);
    mkdirSync(dirname(full), { recursive: true });
    copyFileSync(join(MODEL_DIR, '..', '..', 'images', '224', 'fruits.png'), full);
    expect(sprites.sprite('mixed4d', 12)).toMatchObject({ profile: 'full', size: 96, path: '/sprites/mixed4d/full/12.png' });
    expect(sprites.request('mixed4d', [12], 'VISIBLE').pending).toEqual([]);
    expect(sprites.sprite('mixed4d', 13)).toBeNull();
    sprites.close();
  });

  it('once a layer is asked for, queues the rest of it in the background, behind what was asked', () => {
    const sprites = new OnDemandSprites(files.pool, new RenderLane(), new SpriteStore(freshRoot()), { background: true, profile: TINY });
    const s = sprites.request('mixed3a', [5], 'VISIBLE');
    expect(s.pending).toHaveLength(256);
    expect(s.pending[0]).toMatchObject({ channel: 5, priority: 'VISIBLE' });
    // Channel 5's batch is filled up with the first background channel.
    expect(s.pending.filter((p) => p.priority === 'BACKGROUND')).toHaveLength(255);
    sprites.close();
  });

  it('refuses an unknown layer or channel with its code, and queues nothing', () => {
    const sprites = new OnDemandSprites(files.pool, new RenderLane(), new SpriteStore(freshRoot()), { background: true, profile: TINY });
    expect(() => sprites.request('mixed9z', [1], 'VISIBLE')).toThrow(expect.objectContaining({ code: 'UNKNOWN_LAYER' }));
    expect(() => sprites.request('mixed3a', [256], 'VISIBLE')).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(sprites.state('mixed3a').pending).toEqual([]);
    sprites.close();
  });

  it('a render steps aside for attribution: no render step completes while a job runs, except the one under way', async () => {
    const steps: number[] = [];
    const ctl = new AbortController();
    const render = files.pool.renderSprites(
      { layer: 'mixed4d', channels: [1, 2], size: 64, steps: 200, seed: 0, batch: 2 },
      () => undefined,
      (_s, _n, at) => steps.push(at),
      ctl.signal,
    );
    render.catch(() => undefined);
    while (steps.length < 2) await new Promise((r) => setTimeout(r, 20));
    const request = validateInput(
      { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 30, batchSize: 10, chunkSteps: 10 },
      { labels: files.pool.info.labels, layers: files.pool.info.layers },
    );
    const pixels = image224('dog_cat_composite');
    // Step end times come from the worker's clock (Date.now()), so message delays do not blur them.
    // The end is the last snapshot's arrival: the gate opens only after the run's reply, so a step
    // finishing later started after the job (a loaded machine can stall this thread in between).
    const start = Date.now();
    let end = start;
    const run = files.pool.run(pixels, request, () => (end = Date.now()));
    await run;
    const during = steps.filter((t) => t > start && t < end);
    expect(during.length).toBeLessThanOrEqual(1);
    // And it resumes after the job.
    const before = steps.length;
    while (steps.length < before + 2) await new Promise((r) => setTimeout(r, 20));
    ctl.abort();
    await expect(render).rejects.toMatchObject({ code: 'CANCELLED' });
  });
  it('sprites asked for while a job runs wait for its end: no step of theirs runs during the job', async () => {
    const request = validateInput(
      { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 30, batchSize: 10, chunkSteps: 10 },
      { labels: files.pool.info.labels, layers: files.pool.info.layers },
    );
    const steps: number[] = [];
    const start = Date.now();
    let end = start;
    // The run is counted in the gate from this call on; the sprites are asked for after it.
    const run = files.pool.run(image224('dog_cat_composite'), request, () => (end = Date.now()));
    const render = files.pool.renderSprites(
      { layer: 'mixed4c', channels: [3, 4], size: 32, steps: 6, seed: 0, batch: 2 },
      () => undefined,
      (_s, _n, at) => steps.push(at),
    );
    await run;
    expect(await render).toBe(2);
    expect(steps).toHaveLength(6);
    expect(
      steps.filter((t) => t < end),
      `steps ${steps.map((t) => t - start)}, job ${end - start} ms`,
    ).toEqual([]);
  });
  describe('group icons share the render lane', () => {
    const pixels = image224('dog_cat_composite');
    /** The blocks service over the pool, with the step times (worker clock) of every icon render. */
    function iconService(lane: RenderLane, steps: number) {
      const stepTimes: number[] = [];
      const engine: BuildingBlocksEngine = {
        info: files.pool.info,
        neuronGroups: (p, r) => files.pool.neuronGroups(p, r),
        semanticDictionary: (p, r) => files.pool.semanticDictionary(p, r),
        classSpatialAttribution: (p, r) => files.pool.classSpatialAttribution(p, r),
        layerToLayerAttribution: (p, r, onProgress, signal) => files.pool.layerToLayerAttribution(p, r, onProgress, signal),
        groupIcons: (r, onStep, signal) =>
          files.pool.groupIcons(
            r,
            (step, n, at) => {
              stepTimes.push(at);
              onStep?.(step, n, at);
            },
            signal,
          ),
      };
      return { blocks: new BuildingBlocksService(engine, { pixels: async () => pixels }, lane, { size: 32, steps }), stepTimes };
    }
    /** Three factorizations of one image (each has its own icons: 2, 3 and 4 groups). */
    let groups: NeuronGroups, other: NeuronGroups, third: NeuronGroups;
    beforeAll(async () => {
      ({ groups } = await files.pool.neuronGroups(pixels, { layer: 'mixed3a', groups: 2, seed: 0, score: null }));
      ({ groups: other } = await files.pool.neuronGroups(pixels, { layer: 'mixed3a', groups: 3, seed: 0, score: null }));
      ({ groups: third } = await files.pool.neuronGroups(pixels, { layer: 'mixed3a', groups: 4, seed: 0, score: null }));
    });

    it('an icon request made while a job runs waits for its end: no step runs during the job, and the icons arrive after', async () => {
      const { blocks, stepTimes } = iconService(new RenderLane(), 12);
      // Warm: the worker's render graphs for this layer exist before the job, so the first step is not a compile.
      await blocks.icons(other);
      stepTimes.length = 0;
      const request = validateInput(
        { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 30, batchSize: 10, chunkSteps: 10 },
        { labels: files.pool.info.labels, layers: files.pool.info.layers },
      );
      const start = Date.now();
      let end = start;
      // The run is counted in the gate from this call on; the icons are asked for after it.
      const run = files.pool.run(pixels, request, () => (end = Date.now()));
      const icons = blocks.icons(groups);
      icons.catch(() => undefined);
      await run;
      expect(stepTimes.filter((t) => t > start && t < end).length, `steps ${stepTimes.map((t) => t - start)}, job ${end - start} ms`).toBe(
        0,
      );
      const urls = await icons;
      expect(urls).toHaveLength(2);
      for (const u of urls) expect(u).toMatch(/^data:image\/png;base64,/);
      // Every step ran, all after the job.
      expect(stepTimes).toHaveLength(12);
      expect(stepTimes.filter((t) => t >= end).length).toBe(12);
      // Cached per factorization: asking again renders nothing.
      expect(await blocks.icons(groups)).toEqual(urls);
      expect(stepTimes).toHaveLength(12);
    });

    it('at shutdown (close) an icon render waiting for a job stops with CANCELLED, and one still in the lane never starts', async () => {
      const lane = new RenderLane();
      const { blocks, stepTimes } = iconService(lane, 200);
      const request = validateInput(
        { layer: 'mixed4d', class1: 'Labrador retriever', class2: 'tiger cat', method: 'PATH', steps: 30, batchSize: 10, chunkSteps: 10 },
        { labels: files.pool.info.labels, layers: files.pool.info.layers },
      );
      const run = files.pool.run(pixels, request);
      // A render holds the lane, so the 3-group icons wait there behind the 2-group ones.
      const first = blocks.icons(groups);
      const second = blocks.icons(other);
      blocks.close();
      await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
      await run;
      expect(stepTimes.length).toBeLessThanOrEqual(1);
    });

    it('icons wait their turn among the sprites: a background batch just started gives way to them, a VISIBLE sprite batch rendering or asked for after them goes first', async () => {
      const lane = new RenderLane();
      const { blocks } = iconService(lane, 3);
      const sprites = new OnDemandSprites(files.pool, lane, new SpriteStore(freshRoot()), { background: false, profile: TINY });
      const order: string[] = [];
      const watching = (n: number) =>
        watch(sprites, 'mixed3a', (s) => {
          for (const c of s.sprites) if (!order.includes(`sprite ${c.channel}`)) order.push(`sprite ${c.channel}`);
          return s.sprites.length === n;
        });
      const iconsOf = (g: NeuronGroups) =>
        blocks.icons(g).then((urls) => {
          order.push('icons');
          return urls;
        });
      // A background batch (0, 1) starts at once; the icons (VISIBLE) stop it before it is half done.
      const two = watching(2);
      expect(sprites.request('mixed3a', [0, 1], 'BACKGROUND').pending.map((p) => p.status)).toEqual(['RENDERING', 'RENDERING']);
      await Promise.all([two, iconsOf(groups)]);
      expect(order[0]).toBe('icons');
      expect(order.slice(1).sort()).toEqual(['sprite 0', 'sprite 1']);
      // A VISIBLE batch already rendering finishes first; sprites asked for at VISIBLE after the
      // icons still go before them (icons rank after the channel rows' pictures).
      sprites.request('mixed3a', [7, 8], 'VISIBLE');
      await watch(sprites, 'mixed3a', (s) => s.pending.some((p) => p.status === 'RENDERING'));
      const icons = iconsOf(third);
      sprites.request('mixed3a', [9], 'VISIBLE');
      const [, urls] = await Promise.all([watching(5), icons]);
      expect(urls).toHaveLength(4);
      expect(order.slice(3, 5).sort()).toEqual(['sprite 7', 'sprite 8']);
      expect(order.slice(5)).toEqual(['sprite 9', 'icons']);
      sprites.close();
    });
  });
});
