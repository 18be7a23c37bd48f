import type { ClassInfo } from '../server/engine/labels.js';
import { listedLayers, type LayerInfo } from '../server/engine/layer-info.js';
import type { ModelInfo } from '../server/engine/engine.js';
import { builder } from './builder.js';

export const LayerRef = builder.objectRef<LayerInfo>('Layer').implement({
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
  description: "One of the 1000 ImageNet classes, in the model's (Caffe) order.",
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Logit index, 0..999.' }),
    wnid: t.exposeString('wnid', { description: 'WordNet id, e.g. `n02099712`.' }),
    name: t.exposeString('name', { description: 'Primary name, e.g. `Labrador retriever`.' }),
    synonyms: t.exposeStringList('synonyms', { description: 'Every name the class answers to, the primary one first.' }),
  }),
});

export const ModelRef = builder.objectRef<ModelInfo>('Model').implement({
  description: "The network served: BVLC GoogLeNet (Lucid's InceptionV1_caffe).",
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Model name, e.g. `googlenet-bvlc`.' }),
    backend: t.exposeString('backend', { description: 'Executor the engine runs on, e.g. `tfjs-wasm`.' }),
    inputSize: t.exposeInt('inputSize', {
      description: 'Side of the square RGB input in pixels (224); images are centre-cropped and resized to it.',
    }),
    layers: t.field({
      type: [LayerRef],
      description: 'Layers a job can attribute at (the inception blocks mixed3a..mixed5b), from input to output.',
      resolve: (m) => listedLayers(m.layers),
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

builder.queryField('model', (t) =>
  t.field({
    type: ModelRef,
    description: 'The network, its layers and classes.',
    resolve: (_root, _args, ctx) => ctx.engine.info,
  }),
);
