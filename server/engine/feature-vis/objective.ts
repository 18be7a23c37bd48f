import { EngineError } from '../../errors/engine-error.js';
import type { LayerInfo } from '../network/network.js';

/**
 * A channel objective: the mean over space of one channel of a layer, maximized (Lucid's
 * `objectives.channel(layer, n)`). Self-describing, so logs read `Channel(mixed4a:97)`.
 */
export interface ChannelObjective {
  layer: string;
  channel: number;
  describe: string;
}

export function channel(layer: string, n: number): ChannelObjective {
  return { layer, channel: n, describe: `Channel(${layer}:${n})` };
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
  const info = layers.find((l) => l.name === layer);
  if (!info) throw new EngineError('UNKNOWN_LAYER', `Unknown layer "${layer}": choose one of ${layers.map((l) => l.name).join(', ')}.`, { valid: layers.map((l) => l.name) });
  for (const n of channels) {
    if (!Number.isInteger(n) || n < 0 || n >= info.channels) {
      throw new EngineError('BAD_ARGUMENT', `${layer} has channels 0..${info.channels - 1}; ${n} is not one.`, { layer, channel: n });
    }
  }
  return info;
}
