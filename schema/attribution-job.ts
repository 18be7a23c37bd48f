import type { AttributionRequest, Snapshot } from '../server/engine/attribution/types.js';
import { DEFAULT_STEPS } from '../server/engine/attribution/validate.js';
import type { JobError, JobInput, JobRecord } from '../server/jobs/job-record.js';
import { builder } from './builder.js';
import { AttributionMethodRef } from './attribution-method.js';
import { AttributionResultRef } from './attribution-result.js';
import { ConvergencePointRef } from './convergence-point.js';
import { ImageRef, requireImage } from './image.js';
import { ModelRef } from './model.js';
import { JobStatusRef } from './job-status.js';
import { QuadratureRuleRef } from './quadrature-rule.js';
import { jobImageIds } from '../server/jobs/multi-job.js';
import { requestLayers } from '../server/engine/attribution/layer-set.js';
import type { SkippedImage } from '../server/jobs/job-record.js';

export const SkippedImageRef = builder.objectRef<SkippedImage>('SkippedImage').implement({
  description: 'An image of a batch left out of a job (`skipBadImages`).',
  fields: (t) => ({
    imageId: t.exposeID('imageId', { description: 'The id as given.' }),
    reason: t.exposeString('reason', { description: 'Why it was left out.' }),
  }),
});

export const JobErrorRef = builder.objectRef<JobError>('JobError').implement({
  description: 'Why a job failed or was interrupted.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description: "Same codes as GraphQL errors' `extensions.code`, plus INTERRUPTED and INTERNAL_SERVER_ERROR.",
    }),
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
  }),
});

type RequestShape = { input: JobInput; model: string; request: AttributionRequest };

export const AttributionRequestRef = builder.objectRef<RequestShape>('AttributionRequest').implement({
  description: 'What a job computes: its input as given, with defaults filled in and classes resolved.',
  fields: (t) => ({
    imageId: t.id({ description: "The input image's id (a multi-image job's first).", resolve: (r) => r.input.imageId }),
    imageIds: t.idList({ description: "Every image's id, in order (one for a single image).", resolve: (r) => jobImageIds(r) }),
    skippedImages: t.field({
      type: [SkippedImageRef],
      description: 'Images of the batch that `skipBadImages` left out, with why.',
      resolve: (r) => r.input.skippedImages ?? [],
    }),
    model: t.id({ description: 'The id of the model the job runs on.', resolve: (r) => r.model }),
    layer: t.string({ description: 'The layer attributed at (a multi-layer job: its first).', resolve: (r) => r.request.layer }),
    layers: t.stringList({
      description: 'Every layer attributed at, from input to output (one for a single layer).',
      resolve: (r) => requestLayers(r.request),
    }),
    class1: t.string({
      nullable: true,
      description: 'Class 1 as given (name, synonym, index, WordNet id or `logsumexp`).',
      resolve: (r) => r.input.class1 ?? null,
    }),
    class2: t.string({ nullable: true, description: 'Class 2 as given.', resolve: (r) => r.input.class2 ?? null }),
    class1Label: t.string({
      description: 'Class 1 as resolved: the class name, `logsumexp`, or `none` (score 0).',
      resolve: (r) => r.request.class1Label,
    }),
    class2Label: t.string({ description: 'Class 2 as resolved.', resolve: (r) => r.request.class2Label }),
    method: t.field({ type: AttributionMethodRef, description: 'The method.', resolve: (r) => r.request.method }),
    steps: t.int({ description: 'Path steps (1 for SIMPLE).', resolve: (r) => r.request.steps }),
    rule: t.field({ type: QuadratureRuleRef, description: 'The quadrature rule.', resolve: (r) => r.request.rule }),
    seed: t.int({ description: 'Seed of the stochastic path (unused by other methods).', resolve: (r) => r.request.seed }),
    topK: t.int({ description: 'K of the top-K/bottom-K rank stability.', resolve: (r) => r.request.topK }),
    chunkSteps: t.int({ description: 'Steps between snapshots.', resolve: (r) => r.request.chunkSteps }),
    groups: t.int({
      nullable: true,
      description: 'K neuron groups the job factors the layer into and attributes to; null for none.',
      resolve: (r) => r.request.groups ?? null,
    }),
    tolerance: t.float({
      nullable: true,
      description: 'Stop when settled: the relative error the job stops at (with settled lists); null runs every step.',
      resolve: (r) => r.request.tolerance ?? null,
    }),
  }),
});

/** The first stored snapshot whose lists had settled, if any. */
async function settledPoint(j: JobRecord, jobs: { history(id: string): Promise<Snapshot[]> }) {
  return (await jobs.history(j.id)).find((s) => s.settled) ?? null;
}

export const AttributionJobRef = builder.objectRef<JobRecord>('AttributionJob').implement({
  description: 'One attribution computation: queued, run by the engine in chunks of steps, stored with its result.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The job id.' }),
    groupId: t.exposeID('groupId', {
      nullable: true,
      description: 'Shared by the three jobs of one `compareMethods` call; null otherwise.',
    }),
    input: t.field({ type: AttributionRequestRef, description: 'What the job computes.', resolve: (j) => j }),
    model: t.field({
      type: ModelRef,
      nullable: true,
      description: 'The model the job runs on; null once that model has been deleted (`input.model` keeps its id).',
      resolve: (j, _args, ctx) =>
        ctx.models.engine(j.model).then(
          (e) => e.info,
          () => null,
        ),
    }),
    image: t.field({
      type: ImageRef,
      description: 'The input image (a multi-image job: its first).',
      resolve: (j, _args, ctx) => requireImage(ctx.images, j.input.imageId),
    }),
    images: t.field({
      type: [ImageRef],
      description: 'Every input image, in order.',
      resolve: (j, _args, ctx) => jobImageIds(j).map((id) => requireImage(ctx.images, id)),
    }),
    status: t.field({ type: JobStatusRef, description: 'Where the job is in its life.', resolve: (j) => j.status }),
    stepsDone: t.exposeInt('stepsDone', { description: 'Path steps integrated so far.' }),
    stepsTotal: t.exposeInt('stepsTotal', {
      description: 'Path steps in the whole job (layers x images x steps; a tolerance job may stop before).',
    }),
    backend: t.exposeString('backend', {
      nullable: true,
      description: 'The executor that ran the job, e.g. `tfjs-wasm`; null until it starts.',
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When the job was queued.', resolve: (j) => j.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the engine started it.', resolve: (j) => j.startedAt }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it succeeded, failed, was cancelled or interrupted.',
      resolve: (j) => j.finishedAt,
    }),
    error: t.field({
      type: JobErrorRef,
      nullable: true,
      description: 'Why it failed or was interrupted; null otherwise.',
      resolve: (j) => j.error,
    }),
    history: t.field({
      type: [ConvergencePointRef],
      description: 'Every snapshot of the job, fewest steps first: its whole convergence chart, also after a restart.',
      resolve: async (j, _args, ctx) => (await ctx.jobs.history(j.id)).map((snapshot) => ({ snapshot, method: j.request.method })),
    }),
    settledAtStep: t.int({
      nullable: true,
      description:
        'Steps done at the first snapshot whose top and bottom lists had settled (AttributionEstimate.settled); null until then.',
      resolve: async (j, _args, ctx) => (await settledPoint(j, ctx.jobs))?.stepsDone ?? null,
    }),
    settledAtMs: t.float({
      nullable: true,
      description: 'Compute time, in milliseconds, at that snapshot; null until the lists settle.',
      resolve: async (j, _args, ctx) => (await settledPoint(j, ctx.jobs))?.elapsedMs ?? null,
    }),
    result: t.field({
      type: AttributionResultRef,
      nullable: true,
      description:
        'The latest snapshot while running, the final one after; a cancelled job keeps its partial one. Null before the first snapshot.',
      resolve: (j) => j.snapshot && { jobId: j.id, stepsTotal: j.stepsTotal, snapshot: j.snapshot, final: j.status === 'SUCCEEDED' },
    }),
  }),
});

export const AttributionInputRef = builder.inputType('AttributionInput', {
  description: 'What to attribute: an image, a layer, two classes and a method.',
  fields: (t) => ({
    model: t.id({
      description:
        'The model to attribute, an id from `models` (default: the built-in `googlenet-bvlc`). The layer and classes are checked against it; UNKNOWN_MODEL lists the ids there are.',
    }),
    imageId: t.id({ description: 'An image from `examples` or `uploadImage`; give this or `imageIds`.' }),
    imageIds: t.idList({
      description:
        'Several images (up to MAX_IMAGES_PER_JOB, default 256) in one job, in place of `imageId`: every image attributed the same ' +
        'way, the result the mean over them with error bars, consistency counts and the per-image vectors. Ids that name no ' +
        'image are listed in one BAD_IMAGES error, unless `skipBadImages`.',
    }),
    skipBadImages: t.boolean({
      description: 'Leave out the images that cannot be attributed (listed in `input.skippedImages`) instead of refusing the job.',
    }),
    layer: t.string({
      required: true,
      defaultValue: 'mixed4d',
      description: "Layer name from the model's `layers` (the default, `mixed4d`, is the built-in model's).",
    }),
    layers: t.stringList({
      description:
        'Several layers in one job, in place of `layer` (or `["*"]` for every layer): one forward pass, then each layer ' +
        'integrated exactly as a job at that layer alone, its estimate in `layers` of every snapshot. A tolerance applies ' +
        'to each layer; the job ends when all have settled.',
    }),
    class1: t.string({
      description: 'Class to attribute toward: name, synonym, index, WordNet id, `logsumexp`, or null for a zero score.',
    }),
    class2: t.string({ description: 'Class to attribute away from; same forms. The score is score(class1) - score(class2).' }),
    method: t.field({ type: AttributionMethodRef, required: true, defaultValue: 'PATH', description: 'The method.' }),
    steps: t.int({ description: `Path steps, 1..2000 (default ${DEFAULT_STEPS}); ignored by SIMPLE.` }),
    rule: t.field({ type: QuadratureRuleRef, description: "Quadrature rule (default LEFT_RIEMANN, the notebook's)." }),
    seed: t.int({ description: 'Seed of the stochastic path, 0..2^31-1 (default 0).' }),
    topK: t.int({ defaultValue: 10, description: 'K for rank stability, 1..channels.' }),
    groups: t.int({
      description:
        'Also factor the layer into K neuron groups (NMF, 1..16; the notebook uses 6) and attribute to each, live; null for none.',
    }),
    chunkSteps: t.int({
      description: 'Steps between snapshots (default: steps/10, rounded up; with a tolerance, the nested levels only).',
    }),
    tolerance: t.float({
      description:
        'Stop when settled: run until the estimated relative error is at most this (0 < tolerance < 1, e.g. 0.01) and the ' +
        "top and bottom lists have settled; `steps` is then the maximum, rounded down to the rule's nested size. " +
        'PATH then defaults to the SQUARED rule; SIDI and LEFT_RIEMANN also nest; other rules are a BAD_ARGUMENT.',
    }),
  }),
});

export const CompareInputRef = builder.inputType('CompareInput', {
  description: "One image, layer and class pair, attributed by SIMPLE, PATH and STOCHASTIC_PATH (the notebook's compare_attr_methods).",
  fields: (t) => ({
    model: t.id({ description: 'The model, an id from `models` (default: the built-in `googlenet-bvlc`).' }),
    imageId: t.id({ required: true, description: 'An image from `examples` or `uploadImage`.' }),
    layer: t.string({ required: true, defaultValue: 'mixed4d', description: "Layer name from the model's `layers`." }),
    class1: t.string({ description: 'Class to attribute toward (same forms as in AttributionInput).' }),
    class2: t.string({ description: 'Class to attribute away from.' }),
    steps: t.int({ description: `Path steps for PATH and STOCHASTIC_PATH, 1..2000 (default ${DEFAULT_STEPS}).` }),
    rule: t.field({ type: QuadratureRuleRef, description: 'Quadrature rule for both path methods.' }),
    seed: t.int({ description: 'Seed of the stochastic path.' }),
    topK: t.int({ defaultValue: 10, description: 'K for rank stability.' }),
    chunkSteps: t.int({ description: 'Steps between snapshots.' }),
    groups: t.int({ description: 'K neuron groups for every job (see AttributionInput.groups).' }),
    tolerance: t.float({ description: 'Stop each path method when settled (see AttributionInput.tolerance).' }),
  }),
});

const toJobInput = (i: {
  model?: string | number | null;
  imageId?: string | number | null;
  imageIds?: (string | number)[] | null;
  skipBadImages?: boolean | null;
  layers?: string[] | null;
  layer: string;
  class1?: string | null;
  class2?: string | null;
  steps?: number | null;
  rule?: JobInput['rule'];
  seed?: number | null;
  topK?: number | null;
  chunkSteps?: number | null;
  groups?: number | null;
  tolerance?: number | null;
}): Omit<JobInput, 'method'> => ({
  // Absent rather than null: jobs stored before models could be imported have no model in their input.
  ...(i.model == null ? {} : { model: String(i.model) }),
  imageId: i.imageId == null ? String(i.imageIds?.[0] ?? '') : String(i.imageId),
  ...(i.imageIds != null && { imageIds: i.imageIds.map(String) }),
  ...(i.skipBadImages != null && { skipBadImages: i.skipBadImages }),
  ...(i.layers != null && { layers: i.layers }),
  layer: i.layer,
  class1: i.class1 ?? null,
  class2: i.class2 ?? null,
  steps: i.steps ?? null,
  rule: i.rule ?? null,
  seed: i.seed ?? null,
  topK: i.topK ?? null,
  chunkSteps: i.chunkSteps ?? null,
  groups: i.groups ?? null,
  tolerance: i.tolerance ?? null,
});

builder.queryField('job', (t) =>
  t.field({
    type: AttributionJobRef,
    nullable: true,
    description: 'A job by id (kept across restarts), or null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The job id.' }) },
    resolve: (_root, { id }, ctx) => ctx.jobs.get(String(id)),
  }),
);

builder.mutationFields((t) => ({
  startAttribution: t.field({
    type: AttributionJobRef,
    description:
      'Validates and queues a job; it starts when a worker is free. Fails with UNKNOWN_MODEL, NOT_FOUND (image), UNKNOWN_LAYER, ' +
      'UNKNOWN_CLASS, BAD_STEPS, BAD_IMAGES (a batch with images that cannot be attributed), JOB_TOO_LARGE (more than ' +
      'MAX_IMAGES_PER_JOB images, or layers x images x steps past MAX_JOB_STEPS) or QUEUE_FULL before anything is queued. ' +
      'Follow it with `jobProgress`.',
    args: { input: t.arg({ type: AttributionInputRef, required: true, description: 'What to attribute.' }) },
    resolve: (_root, { input }, ctx) => ctx.jobs.start({ ...toJobInput(input), method: input.method }),
  }),
  compareMethods: t.field({
    type: [AttributionJobRef],
    description: 'Queues SIMPLE, PATH and STOCHASTIC_PATH jobs on one input (in that order), all or none.',
    args: { input: t.arg({ type: CompareInputRef, required: true, description: 'What to compare on.' }) },
    resolve: (_root, { input }, ctx) => ctx.jobs.compare(toJobInput(input)),
  }),
  restartJob: t.field({
    type: AttributionJobRef,
    description:
      'Queues a new job with the same input as job `id` (e.g. one INTERRUPTED by a restart) and returns the new ' +
      'job; it computes from step 0. Same errors as startAttribution, and NOT_FOUND for an unknown id.',
    args: { id: t.arg.id({ required: true, description: 'The job to run again.' }) },
    resolve: (_root, { id }, ctx) => ctx.jobs.restart(String(id)),
  }),
  cancelJob: t.field({
    type: AttributionJobRef,
    description:
      'Cancels a queued or running job and returns it once it has stopped (a running job finishes its current ' +
      'chunk first; its partial result stays readable). A finished job is returned unchanged. NOT_FOUND for an unknown id.',
    args: { id: t.arg.id({ required: true, description: 'The job id.' }) },
    resolve: (_root, { id }, ctx) => ctx.jobs.cancel(String(id)),
  }),
}));
