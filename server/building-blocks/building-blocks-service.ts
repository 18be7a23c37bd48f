import { createHash } from 'node:crypto';
import { THUMBNAIL_PROFILE, type SpriteProfile } from '../engine/feature-vis/profiles.js';
import { DEFAULT_GROUPS, type NeuronGroups } from '../engine/building-blocks/neuron-groups.js';
import { pngDataUrl } from '../images/heatmap-png.js';
import type { DictionaryGrid, GroupsReply, SpatialAttributionMap } from '../engine/building-blocks/requests.js';
import type { Labels } from '../engine/labels.js';
import type { LayerInfo } from '../engine/network/network.js';
import type { Engine } from '../engine/engine.js';
import { EngineError } from '../errors/engine-error.js';
import { checkPosition } from '../engine/building-blocks/semantic-dictionary.js';
import { requireAttributionLayer, validateGroupCount, validateSeed } from '../engine/building-blocks/validate-groups.js';
import { PromiseCache } from '../promise-cache.js';
import { ICON_RANK, type RenderLane } from '../scheduling/render-lane.js';
import { validateLayerToLayer, type GridPosition, type LayerToLayerMaps } from '../engine/building-blocks/layer-to-layer-attribution.js';

/** Deepest semantic dictionary served per position: the article shows a handful of channels. */
export const DICTIONARY_DEPTH = 16;
/** Results kept per kind: each is a few hundred KB at most, and costs a worker seconds (groups) or a forward pass. */
const CACHE_SIZE = 16;

export type BuildingBlocksEngine = Pick<
  Engine,
  'neuronGroups' | 'semanticDictionary' | 'classSpatialAttribution' | 'groupIcons' | 'layerToLayerAttribution'
> & { info: { layers: LayerInfo[]; labels: Labels } };

interface PixelSource {
  pixels(imageId: string): Promise<Float32Array>;
}

export interface GroupsQuery {
  imageId: string;
  layer: string;
  groups?: number | null;
  seed?: number | null;
  class1?: string | null;
  class2?: string | null;
}

/**
 * The article's other building blocks for an image and a layer, outside any job: neuron groups
 * (with Lucid's linear attribution when classes are given), the semantic dictionary and the
 * class-to-position map. Validation here; every computation in an engine worker; results cached.
 */
export class BuildingBlocksService {
  private readonly groupsCache = new PromiseCache<GroupsReply>(CACHE_SIZE);
  private readonly dictionaryCache = new PromiseCache<DictionaryGrid>(CACHE_SIZE);
  private readonly spatialCache = new PromiseCache<SpatialAttributionMap>(CACHE_SIZE);
  private readonly iconCache = new PromiseCache<string[]>(CACHE_SIZE);
  private readonly layerToLayerCache = new PromiseCache<LayerToLayerMaps>(CACHE_SIZE);
  /** Aborted at shutdown: icon renders running or waiting in the lane stop (CANCELLED). */
  private readonly closing = new AbortController();

  /**
   * `lane`: the API's one render at a time, shared with the sprites; `iconProfile`: the icons' size
   * and steps (the sprites' thumbnail profile; tests pass a smaller one).
   */
  constructor(
    private readonly engine: BuildingBlocksEngine,
    private readonly images: PixelSource,
    private readonly lane: RenderLane,
    private readonly iconProfile: Pick<SpriteProfile, 'size' | 'steps'> = THUMBNAIL_PROFILE,
  ) {}

  layer(name: string): LayerInfo {
    return requireAttributionLayer(name, this.engine.info.layers);
  }

  async groups(q: GroupsQuery): Promise<GroupsReply & { classes: boolean }> {
    const layer = this.layer(q.layer);
    const groups = validateGroupCount(q.groups ?? DEFAULT_GROUPS, layer);
    const seed = validateSeed(q.seed ?? 0);
    const c1 = this.engine.info.labels.resolve(q.class1);
    const c2 = this.engine.info.labels.resolve(q.class2);
    const classes = c1.term.kind !== 'none' || c2.term.kind !== 'none';
    const score = classes ? { class1: c1.term, class2: c2.term } : null;
    const key = JSON.stringify([q.imageId, layer.name, groups, seed, score]);
    const pixels = await this.images.pixels(q.imageId);
    const reply = await this.groupsCache.get(key, () => this.engine.neuronGroups(pixels, { layer: layer.name, groups, seed, score }));
    return { ...reply, classes };
  }

  /** The most active channels at (x, y), `first` deep (1..DICTIONARY_DEPTH). */
  async dictionary(imageId: string, layerName: string, x: number, y: number, first: number) {
    const layer = this.layer(layerName);
    if (!Number.isInteger(first) || first < 1 || first > DICTIONARY_DEPTH) {
      throw new EngineError('BAD_ARGUMENT', `first must be a whole number from 1 to ${DICTIONARY_DEPTH}, got ${first}.`);
    }
    checkPosition(layer, x, y);
    const pixels = await this.images.pixels(imageId);
    const grid = await this.dictionaryCache.get(JSON.stringify([imageId, layer.name]), () =>
      this.engine.semanticDictionary(pixels, { layer: layer.name, first: DICTIONARY_DEPTH }),
    );
    return grid.positions[y * grid.width + x].slice(0, first);
  }

  /**
   * Icons of a factorization's groups, rendered once per factorization in the thumbnail profile
   * (one batch of K direction objectives) and cached: tens of seconds on a loaded 2-core machine.
   * The render waits its turn in the render lane (ICON_RANK: after the channel rows' sprites) and, in the worker, steps aside
   * for attribution between steps, so a running job never waits for more than one icon step.
   */
  icons(groups: NeuronGroups): Promise<string[]> {
    const key = createHash('sha256')
      .update(JSON.stringify([groups.layer, groups.channelFactors]))
      .digest('hex')
      .slice(0, 16);
    return this.iconCache.get(key, async () => {
      const { size, steps } = this.iconProfile;
      const request = { layer: groups.layer, directions: groups.channelFactors, key, size, steps, seed: 0 };
      const { icons } = await this.lane.run(
        () => ICON_RANK,
        () => this.engine.groupIcons(request, undefined, this.closing.signal),
      );
      return icons.map((png) => pngDataUrl(Buffer.from(png)));
    });
  }

  /** At shutdown: stops the icon renders (after their step in flight) so the engine pool can drain. */
  close() {
    this.closing.abort();
  }

  /**
   * Layer-to-layer spatial attribution from `to`'s positions (all of them when none are given)
   * back to `from`: checked here (order, positions, count), one backward pass per target in a worker.
   */
  async layerToLayer(imageId: string, from: string, to: string, positions?: GridPosition[] | null): Promise<LayerToLayerMaps> {
    const request = validateLayerToLayer(this.engine.info.layers, from, to, positions);
    const pixels = await this.images.pixels(imageId);
    return this.layerToLayerCache.get(JSON.stringify([imageId, request]), () => this.engine.layerToLayerAttribution(pixels, request));
  }

  /** Gradient x activation summed over channels at each position, for score(class1) - score(class2). */
  async classSpatial(imageId: string, layerName: string, class1?: string | null, class2?: string | null): Promise<SpatialAttributionMap> {
    const layer = this.layer(layerName);
    const score = { class1: this.engine.info.labels.resolve(class1).term, class2: this.engine.info.labels.resolve(class2).term };
    const pixels = await this.images.pixels(imageId);
    return this.spatialCache.get(JSON.stringify([imageId, layer.name, score]), () =>
      this.engine.classSpatialAttribution(pixels, { layer: layer.name, score }),
    );
  }
}
