import cliProgress from 'cli-progress';
import { EngineError } from '../errors/engine-error.js';
import {
  checkJobBudget,
  MultiEstimate,
  requestLayers,
  type AttributionRequest,
  type JobLimits,
  type LayerEstimate,
} from '../engine/attribution/index.js';
import type { RunPhases } from '../engine/engine.js';
import { decodeImage } from '../engine/images.js';
import type { EnginePool } from '../workers/pool.js';
import { runsInCi } from '../settings.js';
import { formatLayerEstimates } from './format-table.js';
import { imageFiles, readBytes } from './image-files.js';

export interface ManyOptions {
  /** `--images` paths (files or folders); absent: the one `--image`. */
  images: string[];
  skipBadImages: boolean;
  json: boolean;
  limits: JobLimits;
}

/** One decoded input image of a batch. */
interface Input {
  file: string;
  pixels: Float32Array;
}

/**
 * The images of `--images`, decoded: every one that cannot be read or decoded is listed by name,
 * and the run stops (BAD_IMAGES) unless `--skip-bad-images` says to leave them out.
 */
function decodeAll(paths: string[], inputSize: number, skipBad: boolean): { inputs: Input[]; skipped: { file: string; reason: string }[] } {
  const { files, unreadable } = imageFiles(paths);
  const bad = [...unreadable];
  const inputs: Input[] = [];
  for (const file of files) {
    const bytes = readBytes(file);
    if (!(bytes instanceof Uint8Array)) {
      bad.push({ file, reason: bytes.reason });
      continue;
    }
    try {
      inputs.push({ file, pixels: decodeImage(bytes, inputSize).pixels });
    } catch (e) {
      bad.push({ file, reason: (e as Error).message });
    }
  }
  if (bad.length && !skipBad) {
    throw new EngineError(
      'BAD_IMAGES',
      `${bad.length} of ${files.length + unreadable.length} images cannot be attributed (nothing was run; --skip-bad-images leaves them out): ` +
        bad.map((b) => `${b.file} (${b.reason})`).join('; '),
      { images: bad },
    );
  }
  if (inputs.length === 0) throw new EngineError('BAD_IMAGES', `No image to attribute in ${paths.join(', ')}.`, { images: bad });
  return { inputs, skipped: bad };
}

/**
 * `attribute --layers ...` and `attribute --images ...`: every layer of every image, each
 * integrated as a single run of it would be, combined as the job API combines them
 * (MultiEstimate: per layer, the image's own estimate, or over several images the mean with its
 * error, the consistency counts and the per-image vectors).
 */
export async function attributeMany(pool: EnginePool, request: AttributionRequest, opts: ManyOptions) {
  const layers = requestLayers(request);
  const { inputs, skipped } = decodeAll(opts.images, pool.info.inputSize, opts.skipBadImages);
  checkJobBudget({ layers: layers.length, images: inputs.length, steps: request.steps }, opts.limits);
  const estimate = new MultiEstimate(layers, inputs.length, request);
  const bar =
    opts.json || (!process.stderr.isTTY && runsInCi())
      ? undefined
      : new cliProgress.SingleBar(
          {
            format: ' {bar} {value}/{total} steps | image {image} | layer {layer} | ETA {eta_formatted}',
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
  bar?.start(layers.length * inputs.length * request.steps, 0, { image: '-', layer: '-' });
  const t0 = performance.now();
  const phases: RunPhases = { compileMs: 0, activationsMs: 0, pathMs: 0 };
  let backend = '';
  for (let i = 0; i < inputs.length; i++) {
    const p = await pool.runLayers(inputs[i].pixels, request, layers, {
      onSnapshot: (layer, s) => {
        estimate.setLive(i, layer, s);
        bar?.update(estimate.snapshot().stepsDone, { image: `${i + 1}/${inputs.length}`, layer });
      },
      onLayerDone: (layer, r) => {
        backend = r.backend;
        estimate.setDone(i, layer, r);
      },
    });
    phases.compileMs += p.compileMs;
    phases.activationsMs += p.activationsMs;
    phases.pathMs += p.pathMs;
  }
  bar?.stop();
  const elapsedMs = performance.now() - t0;
  const snapshot = estimate.snapshot();
  const several = inputs.length > 1;
  const layerJson = (l: LayerEstimate) => ({
    layer: l.layer,
    values: l.values,
    errors: l.errors,
    stepsDone: l.stepsDone,
    settled: l.settled,
    relativeError: l.relativeError,
    completenessGap: request.method === 'STOCHASTIC_PATH' ? null : l.completenessGap,
    score: l.score,
    baselineScore: l.baselineScore,
    top: l.top,
    bottom: l.bottom,
    elapsedMs: l.elapsedMs,
    ...(several && {
      spread: l.acrossImages!.spread,
      integration: l.acrossImages!.integration,
      consistency: { top: l.acrossImages!.topCount, bottom: l.acrossImages!.bottomCount },
      perImage: estimate.doneAt(l.layer).map((d) => ({
        file: inputs[d.image].file,
        values: d.estimate.values,
        errors: d.estimate.errors,
        stepsDone: d.estimate.stepsDone,
      })),
    }),
  });
  if (opts.json) {
    const perLayer = snapshot.layers!.map(layerJson);
    return JSON.stringify({
      method: request.method,
      steps: request.steps,
      rule: request.rule,
      seed: request.seed,
      tolerance: request.tolerance ?? null,
      class1: request.class1Label,
      class2: request.class2Label,
      backend,
      elapsedMs,
      ...phases,
      stepsDone: snapshot.stepsDone,
      layers: perLayer,
      ...(several && {
        images: inputs.map((x) => x.file),
        skipped,
        // The first layer's mean, errors, consistency and per-image vectors at the top level.
        layer: perLayer[0].layer,
        values: perLayer[0].values,
        errors: perLayer[0].errors,
        consistency: perLayer[0].consistency,
        perImage: perLayer[0].perImage,
      }),
    });
  }
  return formatLayerEstimates(request, snapshot.layers!, {
    images: inputs.map((x) => x.file),
    skipped,
    elapsedMs,
    backend,
  });
}
