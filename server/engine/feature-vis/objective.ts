import { resolveLayer } from '../layer-info.js';
import { EngineError } from '../../errors/engine-error.js';
import type { LayerInfo } from '../network/network.js';

/**
 * What a visualization maximizes, always a weighted mean over space of a layer's channels
 * (before their ReLUs, input-gradients/pre-relu.ts): one channel (Lucid's `objectives.channel(layer, n)`), or a
 * direction in channel space (Lucid's `objectives.direction(layer, vec)`: the neuron groups of
 * Building Blocks are such directions). Self-describing, so logs read `Channel(mixed4a:97)`.
 */
export interface ChannelObjective {
  layer: string;
  channel: number;
  describe: string;
}

export interface DirectionObjective {
  layer: string;
  /** Stable name: it seeds the random stream (as the channel does) and names the result. */
  key: string;
  /** One weight per channel of the layer. */
  weights: ArrayLike<number>;
  describe: string;
}

export type Objective = ChannelObjective | DirectionObjective;

export function channel(layer: string, n: number): ChannelObjective {
  return { layer, channel: n, describe: `Channel(${layer}:${n})` };
}

export function direction(layer: string, key: string, weights: ArrayLike<number>): DirectionObjective {
  return { layer, key, weights, describe: `Direction(${layer}:${key})` };
}

export const isChannel = (o: Objective): o is ChannelObjective => 'channel' in o;

/**
 * The per-objective random stream's index: the channel itself (so channel sprites keep the
 * streams they always had), or a hash of the key above every channel index.
 */
export function streamIndex(o: Objective): number {
  if (isChannel(o)) return o.channel;
  let h = 0x811c9dc5;
  for (let i = 0; i < o.key.length; i++) h = Math.imul(h ^ o.key.charCodeAt(i), 0x01000193);
  return 0x40000000 + ((h >>> 0) % 0x3fffffff);
}

/** The [objectives][channels] weights an input-gradient engine optimizes, checked against the layer. */
export function objectiveWeights(layer: string, objectives: readonly Objective[], layers: readonly LayerInfo[]): Float32Array {
  const info = assertChannels(
    layer,
    objectives.filter(isChannel).map((o) => o.channel),
    layers,
  );
  const w = new Float32Array(objectives.length * info.channels);
  objectives.forEach((o, b) => {
    if (o.layer !== layer) throw new EngineError('BAD_ARGUMENT', `One batch renders one layer: ${o.describe} is not on ${layer}.`);
    if (isChannel(o)) {
      w[b * info.channels + o.channel] = 1;
      return;
    }
    if (o.weights.length !== info.channels)
      throw new EngineError('BAD_ARGUMENT', `A direction on ${layer} needs ${info.channels} weights, got ${o.weights.length}.`);
    for (let c = 0; c < info.channels; c++) {
      const v = Number(o.weights[c]);
      if (!Number.isFinite(v))
        throw new EngineError('BAD_ARGUMENT', `Direction ${o.key} has a weight that is not a finite number at channel ${c}.`);
      w[b * info.channels + c] = v;
    }
  });
  return w;
}

/** Lucid's `"layer:n"` shorthand, checked against the network's layers. */
export function parseObjective(spec: string, layers: readonly LayerInfo[]): ChannelObjective {
  const m = /^([A-Za-z0-9_]+):(\d+)$/.exec(spec.trim());
  if (!m) throw new EngineError('BAD_ARGUMENT', `An objective is written "layer:channel", e.g. "mixed4a:97"; got "${spec}".`);
  const n = Number(m[2]);
  assertChannels(m[1], [n], layers);
  return channel(m[1], n);
}

/** UNKNOWN_LAYER / BAD_ARGUMENT for a layer or channel the network does not have. */
export function assertChannels(layer: string, channels: readonly number[], layers: readonly LayerInfo[]): LayerInfo {
  const info = resolveLayer([...layers], layer);
  for (const n of channels) {
    if (!Number.isInteger(n) || n < 0 || n >= info.channels) {
      throw new EngineError('BAD_ARGUMENT', `${layer} has channels 0..${info.channels - 1}; ${n} is not one.`, { layer, channel: n });
    }
  }
  return info;
}
