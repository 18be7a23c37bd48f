import { EngineError } from '../../errors/engine-error.js';

export interface GridShape {
  height: number;
  width: number;
  channels: number;
}

export interface ChannelActivation {
  channel: number;
  activation: number;
}

/** Checks a position of the layer's grid; BAD_ARGUMENT names the grid when it is off it. */
export function checkPosition(shape: { height: number; width: number }, x: number, y: number) {
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= shape.width || y >= shape.height) {
    throw new EngineError(
      'BAD_ARGUMENT',
      `Position (x ${x}, y ${y}) is off the layer's ${shape.width}x${shape.height} grid: x is 0..${shape.width - 1}, y is 0..${shape.height - 1}.`,
    );
  }
}

/**
 * The semantic dictionary at one position (Building Blocks, "Semantic dictionaries"; Lucid's
 * SemanticDictionary.ipynb): the channels most active there, most active first, with their
 * activations. A forward pass is all it needs. Channels at 0 (after the ReLU) are left out.
 */
export function semanticDictionary(acts: ArrayLike<number>, shape: GridShape, x: number, y: number, first: number): ChannelActivation[] {
  checkPosition(shape, x, y);
  const o = (y * shape.width + x) * shape.channels;
  const entries: ChannelActivation[] = [];
  for (let c = 0; c < shape.channels; c++) if (acts[o + c] > 0) entries.push({ channel: c, activation: acts[o + c] });
  return entries.sort((a, b) => b.activation - a.activation || a.channel - b.channel).slice(0, first);
}
