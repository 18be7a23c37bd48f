import { EngineError } from '../../errors/engine-error.js';

/** torchvision's ImageNet preprocessing: the default when a model says nothing. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
export const DEFAULT_RESCALE = 1 / 255;

/**
 * How an image becomes the model's input, after the project's centre crop and antialiased
 * resize to `size` (RGB 0..255): x' = (x * scale - mean) / std per channel, in the graph's layout.
 */
export interface Preprocessing {
  size: number;
  scale: number;
  mean: number[];
  std: number[];
  layout: 'NCHW' | 'NHWC';
}

/** What the CLI (or an API caller) overrides: `--mean`, `--std`, `--scale`, `--size`. */
export interface PreprocessingOverrides {
  mean?: number[];
  std?: number[];
  scale?: number;
  size?: number;
}

const badArg = (message: string): never => {
  throw new EngineError('BAD_ARGUMENT', message);
};
const badModel = (message: string): never => {
  throw new EngineError('BAD_MODEL', message);
};

function triple(v: unknown, what: string, source: string): number[] {
  const list = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(list) || list.length !== 3 || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    badModel(`${source} ${what} must be 3 numbers (R, G, B), got ${JSON.stringify(v)}.`);
  }
  return list as number[];
}

/**
 * The side `size` asks for in preprocessor_config.json: an int, {height, width} (equal: the
 * pipeline crops squares), or {shortest_edge}.
 */
export function sizeFromConfig(size: unknown, source = 'preprocessor_config.json'): number | undefined {
  if (size === undefined || size === null) return undefined;
  if (typeof size === 'number') return size;
  if (typeof size === 'object') {
    const s = size as Record<string, unknown>;
    if (typeof s.height === 'number' && typeof s.width === 'number') {
      if (s.height !== s.width) badModel(`${source} asks for a ${s.height}x${s.width} input; only square inputs are supported.`);
      return s.height;
    }
    if (typeof s.shortest_edge === 'number') return s.shortest_edge;
  }
  return badModel(`${source}'s size ${JSON.stringify(size)} is not an int, {height, width} or {shortest_edge}.`);
}

/**
 * The preprocessing of an imported model: CLI overrides, else preprocessor_config.json
 * (Hugging Face's keys, with its defaults for missing ones), else torchvision's ImageNet
 * preprocessing. `graphSize` is the input's static side, when the graph fixes it. `notes` gets
 * one line for each default the user should know was taken.
 */
export function resolvePreprocessing(
  config: Record<string, unknown> | null,
  graphSize: number | null,
  layout: 'NCHW' | 'NHWC',
  overrides: PreprocessingOverrides,
  notes: string[],
): Preprocessing {
  let scale = DEFAULT_RESCALE;
  let mean = IMAGENET_MEAN;
  let std = IMAGENET_STD;
  let configSize: number | undefined;
  if (config) {
    if (config.do_rescale === false) scale = 1;
    else if (config.rescale_factor !== undefined) {
      if (typeof config.rescale_factor !== 'number' || !(config.rescale_factor > 0))
        badModel(`preprocessor_config.json's rescale_factor must be a positive number, got ${JSON.stringify(config.rescale_factor)}.`);
      scale = config.rescale_factor as number;
    }
    if (config.do_normalize === false) {
      mean = [0, 0, 0];
      std = [1, 1, 1];
    } else {
      if (config.image_mean !== undefined) mean = triple(config.image_mean, 'image_mean', 'preprocessor_config.json');
      if (config.image_std !== undefined) std = triple(config.image_std, 'image_std', 'preprocessor_config.json');
    }
    configSize = sizeFromConfig(config.crop_size ?? config.size);
  } else if (overrides.mean === undefined || overrides.std === undefined || overrides.scale === undefined) {
    notes.push(
      "no preprocessor_config.json: using torchvision's ImageNet preprocessing (rescale 1/255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]); --scale, --mean and --std override it.",
    );
  }
  if (overrides.scale !== undefined) {
    if (!(overrides.scale > 0) || !Number.isFinite(overrides.scale)) badArg(`--scale must be a positive number, got ${overrides.scale}.`);
    scale = overrides.scale;
  }
  if (overrides.mean !== undefined) mean = overrides.mean;
  if (overrides.std !== undefined) std = overrides.std;
  for (const [what, v] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) badArg(`--${what} must be 3 numbers (R,G,B), got ${v.join(',')}.`);
  }
  if (std.some((x) => x === 0)) badArg(`std must not be 0, got ${std.join(',')}.`);

  let size: number;
  if (graphSize !== null) {
    if (overrides.size !== undefined && overrides.size !== graphSize) {
      badArg(`--size ${overrides.size} does not match the model, whose input is fixed at ${graphSize}x${graphSize}.`);
    }
    if (configSize !== undefined && configSize !== graphSize) {
      notes.push(
        `preprocessor_config.json asks for ${configSize} px, but the graph's input is fixed at ${graphSize} px: using ${graphSize}.`,
      );
    }
    size = graphSize;
  } else {
    const chosen = overrides.size ?? configSize;
    if (chosen === undefined) {
      badModel(
        "The model's input height and width are dynamic and nothing fixes them: pass --size N, or give the folder a preprocessor_config.json with a size.",
      );
    }
    size = chosen!;
  }
  if (!Number.isInteger(size) || size < 16 || size > 1024) badArg(`The input size must be a whole number from 16 to 1024 px, got ${size}.`);
  return { size, scale, mean, std, layout };
}
