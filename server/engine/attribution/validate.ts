import { EngineError } from '../../errors/engine-error.js';
import type { Labels } from '../labels.js';
import { findLayer, listedLayers, resolveLayer, type LayerInfo } from '../layer-info.js';
import { checkPointCount, nestedSize, QUADRATURE_RULES } from './quadrature.js';
import { validateGroupCount } from '../building-blocks/validate-groups.js';
import { ALL_LAYERS, resolveLayers } from './layer-set.js';
import type { AttributionInput, AttributionMethod, AttributionRequest, QuadratureRuleName } from './types.js';

export const MAX_STEPS = 2000;
export const DEFAULT_STEPS = 100;
export const DEFAULT_TOP_K = 10;
/** ~10 snapshots per job: enough to watch a ranking settle, few enough to keep batches full. */
export const DEFAULT_SNAPSHOTS_PER_JOB = 10;
/** The first chunk is this many times smaller than the others, so the first snapshot arrives within a tenth of a job. */
export const FIRST_CHUNK_DIVISOR = 5;
/** Steps per executor call; larger batches amortise per-call overhead (bench/executors.ts). */
export const DEFAULT_BATCH_SIZE = 10;

export const METHODS: readonly AttributionMethod[] = ['SIMPLE', 'PATH', 'STOCHASTIC_PATH'];
export const RULES = Object.keys(QUADRATURE_RULES) as readonly QuadratureRuleName[];
/** The notebook's rule, used when none is given (without a tolerance). */
export const DEFAULT_RULE: QuadratureRuleName = 'LEFT_RIEMANN';
/** Rules whose points nest, so a tolerance run can stop at any level without wasting a step. */
export const NESTED_RULES: readonly QuadratureRuleName[] = ['SQUARED', 'SIDI', 'LEFT_RIEMANN'];
/** A tolerance run's rule when none is given: the nested rule that settles in the fewest steps (docs/convergence.md). */
export const DEFAULT_TOLERANCE_RULE: QuadratureRuleName = 'SQUARED';

function intIn(name: string, value: number, lo: number, hi: number, code: 'BAD_STEPS' | 'BAD_ARGUMENT' = 'BAD_ARGUMENT') {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new EngineError(code, `${name} must be a whole number from ${lo} to ${hi}, got ${value}.`);
  }
  return value;
}

/** Rejects a bad request before anything is queued; fills in the defaults (`batchSize`: ENGINE_BATCH_SIZE). */
export function validateInput(
  input: AttributionInput,
  ctx: { labels: Labels; layers: LayerInfo[]; batchSize?: number },
): AttributionRequest {
  if (input.layers != null) return validateLayers(input, ctx);
  const layer = resolveLayer(ctx.layers, input.layer);
  if (!METHODS.includes(input.method)) {
    throw new EngineError('BAD_ARGUMENT', `Unknown method "${input.method}": use one of ${METHODS.join(', ')}.`);
  }
  const tolerance = input.tolerance ?? null;
  if (tolerance !== null && !(typeof tolerance === 'number' && tolerance > 0 && tolerance < 1)) {
    throw new EngineError('BAD_ARGUMENT', `tolerance must be a number between 0 and 1 (a relative error, e.g. 0.01), got ${tolerance}.`);
  }
  const rule = input.rule ?? (tolerance !== null && input.method === 'PATH' ? DEFAULT_TOLERANCE_RULE : DEFAULT_RULE);
  if (!RULES.includes(rule)) throw new EngineError('BAD_ARGUMENT', `Unknown rule "${rule}": use one of ${RULES.join(', ')}.`);
  if (tolerance !== null && input.method !== 'SIMPLE' && !NESTED_RULES.includes(rule)) {
    throw new EngineError('BAD_ARGUMENT', `A tolerance needs a rule whose points nest: use ${NESTED_RULES.join(' or ')}, not ${rule}.`);
  }
  const c1 = ctx.labels.resolve(input.class1);
  const c2 = ctx.labels.resolve(input.class2);
  const maxSteps = input.method === 'SIMPLE' ? 1 : intIn('steps', input.steps ?? DEFAULT_STEPS, 1, MAX_STEPS, 'BAD_STEPS');
  // A tolerance run uses the largest fully nested point count within the maximum.
  const steps = tolerance !== null && input.method !== 'SIMPLE' ? nestedSize(rule, maxSteps) : maxSteps;
  if (input.method !== 'SIMPLE') checkPointCount(rule, steps);
  // An imported model's layer may have fewer channels than the default list length.
  const topK = intIn('topK', input.topK ?? Math.min(DEFAULT_TOP_K, layer.channels), 1, layer.channels);
  // A tolerance run pauses at its nested levels (chunk-schedule.ts); by default only there.
  const defaultChunk = tolerance !== null ? steps : Math.max(1, Math.ceil(steps / DEFAULT_SNAPSHOTS_PER_JOB));
  const chunkSteps = intIn('chunkSteps', input.chunkSteps ?? defaultChunk, 1, Math.max(steps, 1));
  // With the default chunks the first snapshot comes after a fifth of one (2 steps of 100).
  const first = Math.ceil(chunkSteps / FIRST_CHUNK_DIVISOR);
  const firstChunkSteps = input.chunkSteps == null && tolerance === null && first < chunkSteps ? first : null;
  const batchSize = intIn('batchSize', input.batchSize ?? Math.min(ctx.batchSize ?? DEFAULT_BATCH_SIZE, chunkSteps), 1, 256);
  const seed = intIn('seed', input.seed ?? 0, 0, 2 ** 31 - 1);
  return {
    layer: layer.name,
    score: { class1: c1.term, class2: c2.term },
    class1Label: c1.label,
    class2Label: c2.label,
    method: input.method,
    steps,
    rule: input.method === 'SIMPLE' ? 'LEFT_RIEMANN' : rule,
    seed,
    topK,
    chunkSteps,
    firstChunkSteps,
    batchSize,
    tolerance: input.method === 'SIMPLE' ? null : tolerance,
    groups: input.groups == null ? null : validateGroupCount(input.groups, layer),
  };
}

/**
 * A request for several layers: each layer is validated as a job at that layer alone would be,
 * and the request is the first layer's with `layers` added (layer-set.ts, layerRequest).
 */
function validateLayers(input: AttributionInput, ctx: { labels: Labels; layers: LayerInfo[]; batchSize?: number }): AttributionRequest {
  // Aliases and tensor names become the layers' own names; unknown ones are reported together below.
  const names = input.layers!.map((n) => (n === ALL_LAYERS || !findLayer(ctx.layers, n) ? n : resolveLayer(ctx.layers, n).name));
  const available = (names.includes(ALL_LAYERS) ? listedLayers(ctx.layers) : ctx.layers.filter((l) => !l.bypassedBy)).map((l) => l.name);
  const layers = resolveLayers(names, available);
  const requests = layers.map((layer) => validateInput({ ...input, layers: null, layer }, ctx));
  if (layers.length === 1) return requests[0];
  if (requests[0].groups != null) {
    throw new EngineError(
      'BAD_ARGUMENT',
      'Neuron groups are computed for one layer at a time: ask for groups without layers, or layers without groups.',
    );
  }
  return { ...requests[0], layers };
}
