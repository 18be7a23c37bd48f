import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { REPO_ROOT } from '../repo-root.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { EngineError, isEngineError } from '../errors/engine-error.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_RULE,
  DEFAULT_STEPS,
  MAX_STEPS,
  validateInput,
  type AttributionMethod,
  type QuadratureRuleName,
} from '../engine/attribution/index.js';
import type { LayerPreparation } from '../engine/executors/index.js';
import { decodeImage } from '../engine/images.js';
import { jobLimits, readSetting, runsInCi } from '../settings.js';
import { attributeMany } from './attribute-many.js';
import { startCliEngine } from './start-cli-engine.js';
import { formatAttributionTable, formatLayerEstimates, formatLayerList, formatLayerToLayer } from './format-table.js';
import { validateLayerToLayer, type LayerToLayerMaps } from '../engine/building-blocks/layer-to-layer-attribution.js';

const METHOD_NAMES: Record<string, AttributionMethod> = { simple: 'SIMPLE', path: 'PATH', 'stochastic-path': 'STOCHASTIC_PATH' };
const RULE_NAMES: Record<string, QuadratureRuleName> = {
  'left-riemann': 'LEFT_RIEMANN',
  trapezoid: 'TRAPEZOID',
  midpoint: 'MIDPOINT',
  'gauss-legendre': 'GAUSS_LEGENDRE',
  sidi: 'SIDI',
  squared: 'SQUARED',
};

/** How the CLI spells an engine constant: PATH as path, LEFT_RIEMANN as left-riemann. */
const cliName = (value: string) => value.toLowerCase().replace(/_/g, '-');
/** The image when neither --image nor --images is given: the notebook's example, among the shared images. */
const DEFAULT_IMAGE = 'dog_cat_composite.png';
/** The method when --method is not given. */
const DEFAULT_METHOD: AttributionMethod = 'PATH';

const choice =
  <T>(table: Record<string, T>, what: string) =>
  (v: string) => {
    const r = table[v.toLowerCase()];
    if (r === undefined) throw new InvalidArgumentError(`unknown ${what} "${v}": use ${Object.keys(table).join(', ')}.`);
    return r;
  };
const fraction = (v: string) => {
  const x = Number(v);
  if (!/^\s*[\d.eE+-]+\s*$/.test(v) || !Number.isFinite(x)) throw new InvalidArgumentError(`"${v}" is not a number.`);
  return x;
};
const integer = (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`"${v}" is not a whole number.`);
  return Number(v);
};
const numbers = (v: string) => {
  const parts = v.split(',').map((x) => x.trim());
  if (parts.length !== 3) throw new InvalidArgumentError(`"${v}" is not three numbers r,g,b.`);
  return parts.map(fraction);
};

const program = new Command()
  .name('attribute')
  .description('Channel attribution for one image, layer and class pair (Building Blocks of Interpretability).')
  .option(
    '--image <path>',
    `PNG or JPEG of any size (centre-cropped, resized to the model's input size); default: the notebook's ${DEFAULT_IMAGE} from the shared images (EXAMPLES_DIR)`,
  )
  .option(
    '--images <paths...>',
    "several images: a folder (its PNG and JPEG files) or several files; prints the mean over them with error bars, consistency counts and each image's vector",
  )
  .option('--skip-bad-images', 'with --images: leave out (and list) the files that are not readable images instead of stopping')
  .option(
    '--layer <name>',
    "layer to attribute at: mixed3a..mixed5b, or an imported model's module path or tensor name (--list-layers)",
    'mixed4d',
  )
  .option('--layers <names>', 'several layers at once, comma-separated (mixed3b,mixed4d,mixed5a), or "all"; replaces --layer')
  .option('--class1 <class>', 'class name, synonym, index or WordNet id; or logsumexp, or none')
  .option('--class2 <class>', 'the class to attribute away from; same forms as --class1')
  .addOption(
    new Option('--method <method>', Object.keys(METHOD_NAMES).join(' | '))
      .argParser(choice(METHOD_NAMES, 'method'))
      .default(DEFAULT_METHOD, cliName(DEFAULT_METHOD)),
  )
  .option('--steps <n>', `path steps N, 1..${MAX_STEPS}; ignored by simple (default: ${DEFAULT_STEPS})`, integer)
  .option(
    '--rule <rule>',
    `${Object.keys(RULE_NAMES).join(' | ')} (default: ${cliName(DEFAULT_RULE)}, the notebook's)`,
    choice(RULE_NAMES, 'rule'),
  )
  .option(
    '--tolerance <t>',
    'stop when the estimated relative error is at most t and the top/bottom lists have settled (e.g. 0.01); --steps is then the maximum',
    fraction,
  )
  .option('--seed <n>', 'seed of the stochastic path, 0..2^31-1 (default: 0)', integer)
  .option('--top <k>', "channels to show in each direction (default: 10, or the layer's channel count if fewer)", integer)
  .option('--chunk <n>', 'steps per progress update (default: steps/10, rounded up)', integer)
  .option('--batch <n>', `steps per executor call (default: ENGINE_BATCH_SIZE, else ${DEFAULT_BATCH_SIZE})`, integer)
  .option('--groups <k>', 'also factor the layer into K neuron groups (NMF) and attribute to each, 1..16', integer)
  .option(
    '--spatial-to <layer>',
    "also attribute every position of a later layer back to --layer's positions (layer-to-layer spatial attribution, one backward pass per position)",
  )
  .option('--backend <name>', 'tfjs | onnx | auto (default: ENGINE_BACKEND, else auto)')
  .option('--json', 'print one JSON object on stdout')
  .option(
    '--model <path>',
    'an ONNX image classifier to use instead of the built-in GoogLeNet: a folder (model.onnx, config.json, preprocessor_config.json) or an .onnx file (docs/models.md)',
  )
  .option('--list-layers', "print the model's layers (name, channels, grid, tensor) and exit; with --json, every 4-D activation")
  .option(
    '--mean <r,g,b>',
    "imported model: per-channel mean after rescaling (default: preprocessor_config.json, else ImageNet's)",
    numbers,
  )
  .option('--std <r,g,b>', "imported model: per-channel std (default: preprocessor_config.json, else ImageNet's)", numbers)
  .option(
    '--scale <s>',
    'imported model: rescale factor applied to 0..255 pixels (default: preprocessor_config.json, else 1/255)',
    fraction,
  )
  .option('--size <px>', "imported model: input side in pixels, where the graph's input is dynamic", integer)
  .option('--labels <file>', 'imported model: class names, one per line (or a JSON id2label), overriding config.json')
  .configureOutput({ outputError: (str, write) => write(str.split('\n')[0] + '\n') });

function readImage(path: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw new EngineError('BAD_IMAGE', `${path} is a directory, not an image.`);
    return readFileSync(path);
  } catch (e) {
    if (isEngineError(e)) throw e;
    throw new EngineError(
      'BAD_IMAGE',
      `Cannot read image ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
    );
  }
}

async function main() {
  program.parse();
  const o = program.opts();
  if (!o.model && [o.mean, o.std, o.scale, o.size, o.labels].some((v) => v !== undefined)) {
    throw new EngineError('BAD_ARGUMENT', '--mean, --std, --scale, --size and --labels apply to an imported model: give --model too.');
  }
  if (o.image !== undefined && o.images !== undefined)
    throw new EngineError('BAD_ARGUMENT', 'Give one of --image PATH or --images PATH..., not both.');
  if (!o.listLayers && o.image === undefined && o.images === undefined) {
    // The notebook's example image, so the README's one-liners run as they are.
    const example = resolve(readSetting(process.env, 'EXAMPLES_DIR') ?? resolve(REPO_ROOT, '..', 'shared', 'images'), DEFAULT_IMAGE);
    if (!existsSync(example)) throw new EngineError('BAD_ARGUMENT', 'Give one of --image PATH or --images PATH...');
    process.stderr.write(`note: no --image: using ${relative(process.cwd(), example)}, the notebook's example.\n`);
    o.image = relative(process.cwd(), example);
  }
  const layers: string[] | undefined =
    o.layers === undefined
      ? undefined
      : o.layers === 'all'
        ? ['*']
        : String(o.layers)
            .split(',')
            .map((l: string) => l.trim())
            .filter(Boolean);
  if ((layers || o.images) && (o.spatialTo !== undefined || o.groups !== undefined)) {
    throw new EngineError('BAD_ARGUMENT', '--spatial-to and --groups work on one layer of one image: leave out --layers and --images.');
  }
  // Every file is checked before the engine starts: a bad path costs nothing.
  const bytes = o.image === undefined ? undefined : readImage(o.image);
  const { pool, engine } = await startCliEngine({
    backend: o.backend,
    model: o.model,
    overrides: { mean: o.mean, std: o.std, scale: o.scale, size: o.size, labels: o.labels },
  });
  let prepared: Promise<LayerPreparation> | undefined;
  try {
    if (o.listLayers) {
      process.stdout.write(
        o.json
          ? JSON.stringify({ model: pool.info.name, source: pool.info.source, inputSize: pool.info.inputSize, layers: pool.info.layers }) +
              '\n'
          : formatLayerList(pool.info) + '\n',
      );
      return;
    }
    // The user's wait starts here, with the engine up: from the request to the result.
    const t0 = performance.now();
    const request = validateInput(
      {
        layer: o.layer,
        layers,
        class1: o.class1,
        class2: o.class2,
        method: o.method,
        steps: o.steps,
        rule: o.rule,
        seed: o.seed,
        topK: o.top,
        chunkSteps: o.chunk,
        batchSize: o.batch,
        groups: o.groups,
        tolerance: o.tolerance,
      },
      { ...pool.info, batchSize: engine.batchSize },
    );
    if (layers || o.images) {
      const out = await attributeMany(pool, request, {
        images: o.images ?? [o.image],
        skipBadImages: Boolean(o.skipBadImages),
        json: Boolean(o.json),
        limits: jobLimits(process.env),
      });
      process.stdout.write(out + '\n');
      return;
    }
    // Checked before any work, so a bad --spatial-to costs nothing.
    const layerToLayer = o.spatialTo === undefined ? undefined : validateLayerToLayer(pool.info.layers, request.layer, o.spatialTo);
    // The worker builds (or loads) the layer's graphs while this thread decodes the image.
    prepared = pool.prepare(request.layer);
    const image = decodeImage(bytes!, pool.info.inputSize);
    const bar =
      o.json || (!process.stderr.isTTY && runsInCi())
        ? undefined
        : new cliProgress.SingleBar(
            {
              format: ' {bar} {value}/{total} steps | gap {gap} | ETA {eta_formatted}',
              stream: process.stderr,
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
    bar?.start(request.steps, 0, { gap: '-' });
    const result = await pool.run(image.pixels, request, (s) =>
      bar?.update(s.stepsDone, { gap: `${(s.completenessGap * 100).toFixed(2)}%` }),
    );
    const preparation = await prepared;
    const elapsedMs = performance.now() - t0;
    bar?.stop();
    let spatialToSpatial: (LayerToLayerMaps & { elapsedMs: number }) | undefined;
    if (layerToLayer) {
      const t1 = performance.now();
      bar?.start(layerToLayer.positions.length, 0, { gap: '-' });
      const maps = await pool.layerToLayerAttribution(image.pixels, layerToLayer, (done) => bar?.update(done));
      bar?.stop();
      spatialToSpatial = { ...maps, elapsedMs: performance.now() - t1 };
    }
    if (o.json) {
      process.stdout.write(
        JSON.stringify({
          layer: result.layer,
          method: request.method,
          steps: request.steps,
          stepsDone: result.stepsDone,
          rule: request.rule,
          seed: request.seed,
          tolerance: request.tolerance ?? null,
          class1: request.class1Label,
          class2: request.class2Label,
          values: result.values,
          score: result.score,
          baselineScore: result.baselineScore,
          // Completeness does not hold for the stochastic path (docs/convergence.md).
          completenessGap: request.method === 'STOCHASTIC_PATH' ? null : result.completenessGap,
          elapsedMs,
          backend: result.backend,
          // Where the wait went (the compile overlaps the image decode), and the start-up before it.
          compileMs: Math.max(preparation.compileMs, result.phases.compileMs),
          activationsMs: result.phases.activationsMs,
          pathMs: result.phases.pathMs,
          graphs: { compiled: preparation.graphs - preparation.fromCache, fromCache: preparation.fromCache },
          startupMs: t0,
          errors: result.errors,
          relativeError: result.relativeError,
          settled: result.settled,
          top: result.top,
          bottom: result.bottom,
          ...(result.groups && {
            groups: result.groups.factors.spatial.map((spatial, i) => ({
              channels: result.groups!.factors.channelFactors[i],
              spatial,
              attribution: result.groups!.attribution[i],
              error: result.groups!.errors[i],
            })),
            reconstructionError: result.groups.factors.reconstructionError,
          }),
          ...(spatialToSpatial && { spatialToSpatial }),
        }) + '\n',
      );
    } else {
      process.stdout.write(formatAttributionTable(request, { ...result, elapsedMs }, { image: o.image }) + '\n');
      if (spatialToSpatial) process.stdout.write('\n' + formatLayerToLayer(spatialToSpatial) + '\n');
    }
  } finally {
    // Terminating a worker inside an ORT call aborts the process: let a compile finish first.
    await prepared?.catch(() => undefined);
    await pool.close();
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${isEngineError(e) ? e.message : ((e as Error)?.message ?? e)}\n`);
  process.exit(isEngineError(e) ? 2 : 1);
});
