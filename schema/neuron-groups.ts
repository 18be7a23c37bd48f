import type { AttributionMethod } from '../server/engine/attribution/types.js';
import { DEFAULT_GROUPS, topGroupChannels, type NeuronGroups } from '../server/engine/building-blocks/neuron-groups.js';
import { EngineError } from '../server/errors/engine-error.js';
import { groupColour, groupsTintPng, tintPng } from '../server/images/group-tint-png.js';
import { pngDataUrl } from '../server/images/heatmap-png.js';
import { AttributionEstimateRef } from './attribution-estimate.js';
import { AttributionMethodRef } from './attribution-method.js';
import { builder } from './builder.js';
import { requireImage } from './image.js';
import { SpriteCellRef } from './spritemap.js';

/** A factorization with, when a score was given, each group's attribution and the method behind it. */
export interface NeuronGroupsShape {
  /** The id of the model factored. */
  model: string;
  groups: NeuronGroups;
  attribution: number[] | null;
  /** One standard error per group; null where the attribution is exact (the linear form) or the job predates them. */
  errors: number[] | null;
  method: AttributionMethod | null;
}

interface GroupShape {
  parent: NeuronGroupsShape;
  index: number;
}

export interface ChannelWeightShape {
  model: string;
  layer: string;
  channel: number;
  weight: number;
}

/** A channel with a weight, and its sprite when the layer's spritemap has one. */
export const GroupChannelRef = builder.objectRef<ChannelWeightShape>('GroupChannel').implement({
  description: "One channel of a neuron group, by its weight in the group's channel factor.",
  fields: (t) => ({
    channel: t.exposeInt('channel', { description: 'Channel index in the layer, 0-based.' }),
    weight: t.exposeFloat('weight', { description: "The channel's weight in the group's channel factor (>= 0)." }),
    sprite: t.field({
      type: SpriteCellRef,
      nullable: true,
      description: "Where the channel's visualization sits in `Layer.spritemap`; null until it is rendered.",
      resolve: async (c, _args, ctx) => spriteCell((await ctx.forModel(c.model)).spritemaps.spritemap(c.layer), c.channel),
    }),
  }),
});

export function spriteCell(
  index: { size: number; cells: { channel: number; column: number; row: number; activation: number }[] } | null,
  channel: number,
) {
  const cell = index?.cells.find((x) => x.channel === channel);
  return cell && index ? { ...cell, size: index.size } : null;
}

const checkFirst = (first: number | null | undefined, max: number) => {
  const n = first ?? 5;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new EngineError('BAD_ARGUMENT', `first must be a whole number from 1 to ${max}, got ${n}.`);
  return n;
};

export const NeuronGroupRef = builder.objectRef<GroupShape>('NeuronGroup').implement({
  description:
    "One neuron group: a rank-one pattern G = spatial (x) channels of the layer's activations. Groups are ordered " +
    "left to right by the column where their spatial factor peaks, as Lucid's neuron_groups orders them.",
  fields: (t) => ({
    index: t.int({ description: 'Position in the list, 0-based.', resolve: (g) => g.index }),
    colour: t.string({
      description: "The group's colour (`#RRGGBB`, Okabe-Ito palette), the same in `heatmap` and the dashboard.",
      resolve: (g) => groupColour(g.index),
    }),
    channels: t.floatList({
      description: 'The channel factor: one weight (>= 0) per channel of the layer, in channel order.',
      resolve: (g) => g.parent.groups.channelFactors[g.index],
    }),
    spatial: t.floatList({
      description: 'The spatial factor: one weight (>= 0) per position, H*W in row-major order.',
      resolve: (g) => g.parent.groups.spatial[g.index],
    }),
    attribution: t.float({
      nullable: true,
      description:
        'sum(G * g) with g the gradient of score(class1) - score(class2) at the layer: at the real activations for ' +
        "SIMPLE (Lucid's linear form), integrated along the job's path otherwise. Null when no classes were given.",
      resolve: (g) => g.parent.attribution?.[g.index] ?? null,
    }),
    attributionError: t.float({
      nullable: true,
      description:
        'One standard error of `attribution` while a job integrates, estimated from the per-step group values exactly as ' +
        '`AttributionEstimate.errors` is for channels: bars are attribution ± 2 errors. 0 for SIMPLE; null outside a job ' +
        '(the linear form is exact) and in jobs stored before group errors existed.',
      resolve: (g) => g.parent.errors?.[g.index] ?? null,
    }),
    heatmap: t.string({
      description:
        "The spatial factor as a `data:image/png` URL at the layer's resolution, in the group's colour, opacity for weight. Lay it over the image.",
      resolve: (g) => {
        const { width, height } = g.parent.groups;
        return pngDataUrl(tintPng(g.parent.groups.spatial[g.index], width, height, groupColour(g.index)));
      },
    }),
    icon: t.string({
      nullable: true,
      description:
        "A feature visualization of the group's channel factor as a direction objective at the layer (Lucid's objectives.direction), " +
        "as a `data:image/png` URL: all K icons render as one batch in the sprites' thumbnail profile on first ask, then are cached. " +
        'The first ask waits for that render (tens of seconds), so do not ask for it in jobProgress.',
      complexity: 10,
      resolve: async (g, _args, ctx) => (await (await ctx.forModel(g.parent.model)).buildingBlocks.icons(g.parent.groups))[g.index] ?? null,
    }),
    topChannels: t.field({
      type: [GroupChannelRef],
      description: 'The channels the group weighs most, heaviest first.',
      args: { first: t.arg.int({ defaultValue: 5, description: "How many, 1..the layer's channels." }) },
      resolve: (g, { first }) => {
        const n = checkFirst(first, g.parent.groups.channels);
        return topGroupChannels(g.parent.groups, g.index, n).map((c) => ({ ...c, model: g.parent.model, layer: g.parent.groups.layer }));
      },
    }),
  }),
});

export const NeuronGroupsRef = builder.objectRef<NeuronGroupsShape>('NeuronGroups').implement({
  description:
    'Neuron groups (Building Blocks of Interpretability, "Making Sense of Neuron Groups"; Lucid\'s NeuronGroups.ipynb): ' +
    "the layer's activations A (positions x channels) factored by non-negative matrix factorization into K groups, " +
    "A ~ sum_i spatial_i (x) channels_i (coordinate descent from an NNDSVDA start, as scikit-learn's NMF that " +
    "Lucid's ChannelReducer calls).",
  fields: (t) => ({
    layer: t.string({ description: 'The layer factored.', resolve: (n) => n.groups.layer }),
    height: t.int({ description: 'Grid height of the layer.', resolve: (n) => n.groups.height }),
    width: t.int({ description: 'Grid width of the layer.', resolve: (n) => n.groups.width }),
    count: t.int({ description: 'K, the number of groups.', resolve: (n) => n.groups.spatial.length }),
    seed: t.int({ description: 'Seed of the randomized SVD behind the start.', resolve: (n) => n.groups.seed }),
    reconstructionError: t.float({
      description: '||A - sum_i G_i||_F / ||A||_F: the share of the activations the groups miss.',
      resolve: (n) => n.groups.reconstructionError,
    }),
    iterations: t.int({ description: 'Coordinate-descent iterations run.', resolve: (n) => n.groups.iterations }),
    converged: t.boolean({
      description: 'True when the solver met its tolerance before its iteration cap.',
      resolve: (n) => n.groups.converged,
    }),
    attributionMethod: t.field({
      type: AttributionMethodRef,
      nullable: true,
      description:
        "What `NeuronGroup.attribution` integrates: SIMPLE for the linear form, the job's method in a job; null without classes.",
      resolve: (n) => n.method,
    }),
    tint: t.string({
      description:
        "All groups' regions in one `data:image/png` URL at the layer's resolution: each position in the mix of the groups' colours weighted by their spatial factors, opaque where a group peaks. Lay it over the image.",
      resolve: (n) => pngDataUrl(groupsTintPng(n.groups.spatial, n.groups.width, n.groups.height)),
    }),
    groups: t.field({
      type: [NeuronGroupRef],
      description: 'The K groups, left to right.',
      resolve: (n) => n.groups.spatial.map((_, index) => ({ parent: n, index })),
    }),
  }),
});

builder.queryField('neuronGroups', (t) =>
  t.field({
    type: NeuronGroupsRef,
    description:
      'Neuron groups of an image at a layer, factored in an engine worker (a few seconds at mixed4d, then cached). With ' +
      "class1 or class2, each group also gets Lucid's linear attribution sum(G_i * dScore/dA). NOT_FOUND, UNKNOWN_LAYER, " +
      'UNKNOWN_CLASS, or BAD_ARGUMENT for a group count outside 1..min(positions, channels, 16).',
    args: {
      imageId: t.arg.id({ required: true, description: 'An image from `examples` or `uploadImage`.' }),
      layer: t.arg.string({ required: true, defaultValue: 'mixed4d', description: "Layer name from the model's `layers`." }),
      model: t.arg.id({ description: 'The model, an id from `models` (default: the built-in one).' }),
      groups: t.arg.int({
        defaultValue: DEFAULT_GROUPS,
        description: `K, the number of groups (default ${DEFAULT_GROUPS}, as the notebook).`,
      }),
      seed: t.arg.int({ defaultValue: 0, description: 'Seed of the randomized SVD behind the NNDSVDA start.' }),
      class1: t.arg.string({ description: 'Class to attribute toward (same forms as in AttributionInput); none for factors only.' }),
      class2: t.arg.string({ description: 'Class to attribute away from.' }),
    },
    complexity: 20,
    resolve: async (_root, args, ctx) => {
      requireImage(ctx.images, String(args.imageId));
      const { engine, buildingBlocks } = await ctx.forModel(args.model == null ? null : String(args.model));
      const r = await buildingBlocks.groups({
        imageId: String(args.imageId),
        layer: args.layer,
        groups: args.groups,
        seed: args.seed,
        class1: args.class1,
        class2: args.class2,
      });
      return {
        model: engine.info.id,
        groups: r.groups,
        attribution: r.attribution,
        errors: null,
        method: r.attribution ? ('SIMPLE' as const) : null,
      };
    },
  }),
);

builder.interfaceField(AttributionEstimateRef, 'groups', (t) =>
  t.field({
    type: NeuronGroupsRef,
    nullable: true,
    description:
      "The job's neuron groups (when started with `groups`) and each group's attribution so far: the running integrated " +
      'gradient projected on G_i, rescaled to the full path, so it refines with `values`. The groups add up to the ' +
      'channel total except for what the factorization misses: |sum_i attr_i - sum(values)| <= reconstructionError ' +
      '* ||A|| * ||integrated gradient||. Null for a job without groups or before the first snapshot.',
    complexity: 5,
    resolve: async (e, _args, ctx) => {
      const g = e.snapshot?.groups;
      if (!g) return null;
      const job = await ctx.jobs.require(e.jobId);
      return { model: job.model, groups: g.factors, attribution: g.attribution, errors: g.errors ?? null, method: job.request.method };
    },
  }),
);
