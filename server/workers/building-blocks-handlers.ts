import type { Executor } from '../engine/executors/executor.js';
import { layerShape } from '../engine/layer-info.js';
import { groupAttribution } from '../engine/building-blocks/group-attribution.js';
import { neuronGroups } from '../engine/building-blocks/neuron-groups.js';
import { direction, renderChannels, type InputGradientEngine } from '../engine/feature-vis/index.js';
import type {
  ClassSpatialRequest,
  DictionaryGrid,
  DictionaryRequest,
  GroupIconsReply,
  GroupIconsRequest,
  GroupsReply,
  GroupsRequest,
  SpatialAttributionMap,
} from '../engine/building-blocks/requests.js';
import type { AttributionGate } from './attribution-gate.js';
import { encodeRgb } from './spritemap-handlers.js';
import { semanticDictionary } from '../engine/building-blocks/semantic-dictionary.js';
import { classSpatialAttribution } from '../engine/building-blocks/spatial-attribution.js';
import {
  layerToLayerAttribution,
  type LayerToLayerMaps,
  type LayerToLayerOptions,
  type LayerToLayerRequest,
} from '../engine/building-blocks/layer-to-layer-attribution.js';

/**
 * The building-block work that runs inside an engine worker: the factorization (a few seconds of
 * arithmetic at mixed4d), forward passes and gradients all stay off the server's event loop.
 */
export class BuildingBlocksWorker {
  /** The last image's activations: a dashboard asks for groups, dictionary and map of one image together. */
  private last?: { pixels: Float32Array; layer: string; acts: Promise<Float32Array> };

  /** `gate`: attribution in flight in the pool; icon renders wait for it between steps, as the sprites do. */
  constructor(
    private readonly executor: Executor,
    private readonly inputGradients: () => Promise<InputGradientEngine>,
    private readonly gate?: AttributionGate,
  ) {}

  private shape(layer: string) {
    const [height, width, channels] = layerShape(this.executor.model.layers, layer);
    return { layer, height, width, channels };
  }

  private activations(pixels: Float32Array, layer: string): Promise<Float32Array> {
    const l = this.last;
    if (l && l.layer === layer && l.pixels.length === pixels.length && l.pixels.every((v, i) => v === pixels[i])) return l.acts;
    const acts = this.executor.activations(pixels, layer);
    this.last = { pixels: pixels.slice(), layer, acts };
    acts.catch(() => (this.last = undefined));
    return acts;
  }

  async groups(pixels: Float32Array, request: GroupsRequest): Promise<GroupsReply> {
    const acts = await this.activations(pixels, request.layer);
    const groups = neuronGroups(acts, this.shape(request.layer), request);
    if (!request.score) return { groups, attribution: null };
    const { grads } = await this.executor.gradients(request.layer, acts, 1, request.score);
    return { groups, attribution: groupAttribution(groups, grads) };
  }

  async dictionary(pixels: Float32Array, request: DictionaryRequest): Promise<DictionaryGrid> {
    const acts = await this.activations(pixels, request.layer);
    const shape = this.shape(request.layer);
    const positions = Array.from({ length: shape.height * shape.width }, (_, p) =>
      semanticDictionary(acts, shape, p % shape.width, Math.floor(p / shape.width), request.first),
    );
    return { ...shape, positions };
  }

  /**
   * Group icons (NeuronGroups.ipynb: `objectives.direction(layer, channel_factors[i], batch=i)`
   * summed over the groups, rendered together): the same render path as the channel sprites,
   * one batch of directions, which steps aside for attribution between steps.
   */
  async icons(request: GroupIconsRequest, onStep?: (step: number, steps: number) => void, signal?: AbortSignal): Promise<GroupIconsReply> {
    const objectives = request.directions.map((w, i) => direction(request.layer, `${request.key}:${i}`, w));
    // As for the sprites: nothing starts while a job runs.
    await this.gate?.idle(signal);
    const sprites = await renderChannels(
      await this.inputGradients(),
      { layer: request.layer, objectives, size: request.size, steps: request.steps, seed: request.seed },
      {
        signal,
        beforeStep: () => this.gate?.idle(signal),
        onStep,
      },
    );
    return { icons: sprites.map((s) => encodeRgb(s.rgb, s.size, s.size)) };
  }

  async classSpatial(pixels: Float32Array, request: ClassSpatialRequest): Promise<SpatialAttributionMap> {
    const acts = await this.activations(pixels, request.layer);
    const { grads } = await this.executor.gradients(request.layer, acts, 1, request.score);
    const shape = this.shape(request.layer);
    const map = acts.map((a, i) => a * grads[i]);
    return { layer: request.layer, height: shape.height, width: shape.width, values: classSpatialAttribution(map, shape) };
  }

  /** Lucid's raw_spatial_spatial_attr from `request.to`'s positions back to `request.from`. */
  async layerToLayer(pixels: Float32Array, request: LayerToLayerRequest, options: LayerToLayerOptions = {}): Promise<LayerToLayerMaps> {
    const acts = await this.activations(pixels, request.from);
    return layerToLayerAttribution(this.executor, acts, request, options);
  }
}
