import type { ClassInfo } from '../server/engine/labels.js';
import { listedLayers, type LayerInfo } from '../server/engine/layer-info.js';
import type { ModelInfo } from '../server/engine/engine.js';
import type { UploadedFile } from '../server/models/model-registry.js';
import { builder } from './builder.js';

/** A layer as the schema serves it: with the id of its model, for its sprites and examples. */
export type ModelLayer = LayerInfo & { model: string };

export const LayerRef = builder.objectRef<ModelLayer>('Layer').implement({
  description: 'A layer that can be attributed at (an inception block output), with its activation shape.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Lucid-style name, e.g. `mixed4d`.' }),
    caffeName: t.exposeString('caffe', { description: 'The layer in BVLC Caffe naming, e.g. `inception_4d/output`.' }),
    channels: t.exposeInt('channels', { description: 'Number of channels (detectors): the length of `AttributionResult.values`.' }),
    height: t.exposeInt('height', { description: 'Spatial height of the activations for a 224x224 input.' }),
    width: t.exposeInt('width', { description: 'Spatial width of the activations for a 224x224 input.' }),
  }),
});

export const ClassInfoRef = builder.objectRef<ClassInfo>('ImageClass').implement({
  description: "One of a model's classes, in its logits' order (the built-in model's are the 1000 ImageNet classes in Caffe order).",
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Logit index, 0..999.' }),
    wnid: t.exposeString('wnid', { description: 'WordNet id, e.g. `n02099712`.' }),
    name: t.exposeString('name', { description: 'Primary name, e.g. `Labrador retriever`.' }),
    synonyms: t.exposeStringList('synonyms', { description: 'Every name the class answers to, the primary one first.' }),
  }),
});

export const ModelRef = builder.objectRef<ModelInfo>('Model').implement({
  description:
    "A network jobs run on: the built-in BVLC GoogLeNet (Lucid's InceptionV1_caffe, id `googlenet-bvlc`), or an ONNX classifier imported into MODELS_DIR.",
  fields: (t) => ({
    id: t.exposeID('id', {
      description:
        'The id that `AttributionInput.model` takes: `googlenet-bvlc` for the built-in model, the folder name for an imported one.',
    }),
    builtin: t.exposeBoolean('builtin', { description: 'True for the built-in GoogLeNet, the default model (it cannot be deleted).' }),
    name: t.exposeString('name', { description: 'Model name, e.g. `googlenet-bvlc`.' }),
    backend: t.exposeString('backend', { description: 'Executor the engine runs on, e.g. `tfjs-wasm`.' }),
    inputSize: t.exposeInt('inputSize', {
      description: 'Side of the square RGB input in pixels (224); images are centre-cropped and resized to it.',
    }),
    layers: t.field({
      type: [LayerRef],
      description:
        'Layers a job can attribute at, from input to output: for the built-in model the inception blocks mixed3a..mixed5b, for an imported one its block outputs by PyTorch module path (e.g. `layer3.1`); a request may also name an ONNX tensor.',
      resolve: (m) => listedLayers(m.layers).map((l) => ({ ...l, model: m.id })),
    }),
    classes: t.field({
      type: [ClassInfoRef],
      description:
        'Classes whose names contain `search` (case-insensitive), primary-name matches first; all classes in order when `search` is empty.',
      args: {
        search: t.arg.string({ description: 'Text to look for in class names and synonyms.' }),
        first: t.arg.int({ description: 'At most this many classes (1..1000).', defaultValue: 20 }),
      },
      complexity: (args) => ({ field: 1, multiplier: Math.max(1, Math.min(args.first ?? 20, 1000) / 10) }),
      resolve: (m, args) => m.labels.search(args.search ?? '', Math.max(1, Math.min(args.first ?? 20, 1000))),
    }),
    classCount: t.int({ description: 'Number of classes (1000).', resolve: (m) => m.labels.classes.length }),
  }),
});

builder.queryFields((t) => ({
  model: t.field({
    type: ModelRef,
    description: 'A model, its layers and classes: the built-in GoogLeNet when `id` is left out. UNKNOWN_MODEL lists the ids there are.',
    args: { id: t.arg.id({ description: 'A model id from `models`; none: the built-in model.' }) },
    resolve: async (_root, { id }, ctx) => (await ctx.models.engine(id == null ? null : String(id))).info,
  }),
  models: t.field({
    type: [ModelRef],
    description:
      'Every model jobs can run on: the built-in GoogLeNet first, then the models in MODELS_DIR by id (read afresh, so an import on another instance shows at once).',
    complexity: { field: 5, multiplier: 1 },
    resolve: async (_root, _args, ctx) => (await ctx.models.list()).flatMap((m) => (m.engine ? [m.engine.info] : [])),
  }),
}));

/** A multipart file as the registry takes it (a missing name reads as empty). */
const asUpload = (f: File | null | undefined): UploadedFile | null =>
  f ? { name: f.name ?? '', size: f.size, stream: () => f.stream() } : null;

builder.mutationFields((t) => ({
  importModel: t.field({
    type: ModelRef,
    description:
      'Imports an ONNX image classifier from a multipart upload (the GraphQL multipart request spec): its `.onnx`, and optionally ' +
      "the other files of its folder in Hugging Face's layout. The engine checks it in a worker as it checks any model (BAD_MODEL " +
      'with the reason: not ONNX, a truncated file, external data outside the folder, an operator without a rule...); it is stored ' +
      'only once it passes, in one step, so a failed import leaves nothing behind. MODEL_TOO_LARGE (HTTP 413) over MAX_MODEL_BYTES, ' +
      'TOO_MANY_MODELS at MAX_MODELS, MODEL_EXISTS for a taken id. With ADMIN_TOKEN set it needs `Authorization: Bearer <token>` ' +
      '(UNAUTHENTICATED); a server listening beyond loopback without ADMIN_TOKEN refuses it (FORBIDDEN).',
    args: {
      model: t.arg({ type: 'File', required: true, description: 'The model, e.g. `model.onnx`.' }),
      config: t.arg({
        type: 'File',
        description: "`config.json`, whose `id2label` names the classes (a comma separates a class's synonyms).",
      }),
      preprocessorConfig: t.arg({
        type: 'File',
        description: '`preprocessor_config.json`: `size`, `do_rescale`/`rescale_factor`, `do_normalize`/`image_mean`/`image_std`.',
      }),
      labels: t.arg({ type: 'File', description: 'A labels file, one class per line, when there is no `config.json`.' }),
      externalData: t.arg({
        type: ['File'],
        description: 'External data files the `.onnx` refers to, under the file names it gives them (e.g. `model.onnx_data`).',
      }),
      id: t.arg.id({
        description: "The model's id (1-64 letters, digits, '.', '_', '-'); default: the `.onnx` file's name, made unique.",
      }),
    },
    resolve: async (_root, args, ctx) => {
      ctx.admin.check(ctx.authorization);
      const engine = await ctx.models.import(
        {
          model: asUpload(args.model)!,
          config: asUpload(args.config),
          preprocessorConfig: asUpload(args.preprocessorConfig),
          labels: asUpload(args.labels),
          externalData: args.externalData?.map((f) => asUpload(f)!) ?? null,
        },
        args.id == null ? null : String(args.id),
      );
      return engine.info;
    },
  }),
  deleteModel: t.field({
    type: 'ID',
    description:
      'Deletes an imported model and its files, and returns its id. MODEL_IN_USE for the built-in model and while a job on the model is queued or running; UNKNOWN_MODEL for an unknown id. Needs the admin token, as importModel does.',
    args: { id: t.arg.id({ required: true, description: 'The model to delete.' }) },
    resolve: async (_root, { id }, ctx) => {
      ctx.admin.check(ctx.authorization);
      const ref = await ctx.models.remove(String(id), (model) => ctx.jobs.modelInUse(model));
      return ref.id;
    },
  }),
}));
