import { EngineError } from '../server/errors/engine-error.js';
import { NotFoundError } from '../server/errors/not-found-error.js';
import { parseDataUrl } from '../server/images/data-url.js';
import type { StoredImage } from '../server/images/image-library.js';
import { uploadBatch, type BatchUpload, type RejectedFile } from '../server/images/image-batch.js';
import type { Prediction } from '../server/engine/engine.js';
import { builder } from './builder.js';
import type { ClassInfo } from '../server/engine/labels.js';
import { ClassInfoRef } from './model.js';

export const ImageSourceRef = builder.enumType('ImageSource', {
  description: 'Where an image came from.',
  values: {
    EXAMPLE: { description: 'An example image shipped beside the model (read-only).' },
    UPLOAD: { description: "Uploaded by a client; kept under the server's data folder." },
  } as const,
});

/** A prediction with the class it names, from its model's labels. */
type ModelPrediction = Prediction & { classInfo: ClassInfo };

export const PredictionRef = builder.objectRef<ModelPrediction>('Prediction').implement({
  description: "One of a model's top classes for an image.",
  fields: (t) => ({
    class: t.field({ type: ClassInfoRef, description: 'The predicted class.', resolve: (p) => p.classInfo }),
    probability: t.exposeFloat('probability', { description: 'Softmax probability, 0..1.' }),
    logit: t.exposeFloat('logit', {
      description: "The class logit (the built-in model's `softmax2_pre_activation`), the value attribution explains.",
    }),
  }),
});

export const ImageRef = builder.objectRef<StoredImage>('Image').implement({
  description: 'An input image: an example or an upload.',
  fields: (t) => ({
    id: t.exposeID('id', { description: "Stable id; an upload's id is derived from its bytes." }),
    name: t.exposeString('name', { nullable: true, description: 'File name, when known.' }),
    source: t.field({ type: ImageSourceRef, description: 'Example or upload.', resolve: (i) => i.source }),
    width: t.exposeInt('width', { description: 'Width of the original image in pixels.' }),
    height: t.exposeInt('height', { description: 'Height of the original image in pixels.' }),
    mimeType: t.exposeString('mime', { description: '`image/png` or `image/jpeg`.' }),
    byteLength: t.exposeInt('byteLength', { description: 'Size of the original file in bytes.' }),
    url: t.string({
      description: 'Absolute URL of the original image, served by this server.',
      resolve: (i, _args, ctx) => `${ctx.origin}/images/${encodeURIComponent(i.id)}`,
    }),
    path: t.string({
      description: 'The same as `url`, relative to the server root (for same-origin clients and proxies).',
      resolve: (i) => `/images/${encodeURIComponent(i.id)}`,
    }),
    predictions: t.field({
      type: [PredictionRef],
      description:
        "A model's top classes for the image (centre-cropped and resized to the model's input, 224x224 for the built-in one), most probable first.",
      args: {
        top: t.arg.int({ defaultValue: 5, description: 'How many classes, 1..1000.' }),
        model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      },
      complexity: { field: 5, multiplier: 1 },
      resolve: async (i, { top, model }, ctx) => {
        const n = top ?? 5;
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new EngineError('BAD_ARGUMENT', `top must be 1..1000, got ${n}.`);
        const engine = await ctx.models.engine(model == null ? null : String(model));
        const predictions = await ctx.images.predictions(i.id, n, engine);
        return predictions.map((p) => ({ ...p, classInfo: engine.info.labels.classes[p.index] }));
      },
    }),
  }),
});

builder.queryFields((t) => ({
  examples: t.field({
    type: [ImageRef],
    description: 'The example images found beside the model (../shared/images), if any, by file name.',
    resolve: (_root, _args, ctx) => ctx.images.examples(),
  }),
  image: t.field({
    type: ImageRef,
    nullable: true,
    description: 'An image by id, or null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The image id.' }) },
    resolve: (_root, { id }, ctx) => ctx.images.get(String(id)),
  }),
}));

builder.mutationField('uploadImage', (t) =>
  t.field({
    type: ImageRef,
    description:
      'Stores a PNG or JPEG (at most 10 MB and 4096 px a side) and returns it. Give exactly one of `file` ' +
      '(multipart request) or `dataUrl`. Fails with BAD_IMAGE for anything that is not such an image.',
    args: {
      file: t.arg({ type: 'File', description: 'The image, sent as a multipart file.' }),
      dataUrl: t.arg.string({ description: 'The image as a `data:` URL, e.g. `data:image/png;base64,iVBOR...`.' }),
    },
    resolve: async (_root, { file, dataUrl }, ctx) => {
      if ((file == null) === (dataUrl == null)) {
        throw new EngineError('BAD_ARGUMENT', 'Give exactly one of `file` or `dataUrl`.');
      }
      const bytes = file ? new Uint8Array(await file.arrayBuffer()) : parseDataUrl(dataUrl!);
      return ctx.images.upload(bytes, file?.name ?? null);
    },
  }),
);

export function requireImage(images: { get(id: string): StoredImage | null }, id: string): StoredImage {
  const image = images.get(id);
  if (!image) throw new NotFoundError('image', id);
  return image;
}

export const RejectedFileRef = builder.objectRef<RejectedFile>('RejectedFile').implement({
  description: 'A file of a batch upload that was not stored.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its file name (inside a zip: `archive.zip/path/in/archive`).' }),
    code: t.exposeString('code', { description: 'BAD_IMAGE (or JOB_TOO_LARGE past MAX_IMAGES_PER_JOB files).' }),
    message: t.exposeString('message', { description: 'Why, for people.' }),
  }),
});

export const BatchUploadRef = builder.objectRef<BatchUpload>('BatchUpload').implement({
  description: 'The result of `uploadImages`: the images stored, and the files that were not, with why.',
  fields: (t) => ({
    images: t.field({
      type: [ImageRef],
      description: 'The stored images, in the order given (a zip: its order).',
      resolve: (b) => b.images,
    }),
    rejected: t.field({
      type: [RejectedFileRef],
      description: 'The files that are not images the product can read.',
      resolve: (b) => b.rejected,
    }),
  }),
});

builder.mutationField('uploadImages', (t) =>
  t.field({
    type: BatchUploadRef,
    description:
      'Stores several PNG or JPEG files at once (multipart), or the images inside zip archives, each checked as `uploadImage` ' +
      'checks one (at most 10 MB and 4096 px a side; it must decode). A bad file is listed in `rejected` and never loses the ' +
      'others. At most MAX_IMAGES_PER_JOB images per call, and the request at most 15 MB: send more in several calls. Give the ' +
      "images' ids to `startAttribution` as `imageIds`.",
    args: { files: t.arg({ type: ['File'], required: true, description: 'The images and/or zip archives, as multipart files.' }) },
    resolve: async (_root, { files }, ctx) => {
      if (files.length === 0) throw new EngineError('BAD_ARGUMENT', 'files is empty: send one or more images or zip archives.');
      const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      return uploadBatch(ctx.images, read, ctx.jobLimits.maxImages);
    },
  }),
);
