import { createEffect, createMemo, createSignal, on } from 'solid-js';
import { hasSprite } from '../components/ChannelSprite';
import type { ChannelPictures } from '../components/channel-pictures';
import type { MethodRank } from '../components/ChannelDetail';
import type { GridPosition } from '../components/GroupsOverlay';
import { jobLayers, METHODS } from '../components/JobForm';
import { MAX_LAYER_TO_LAYER_TARGETS } from '../components/LayerToLayerDetail';
import { isTerminal } from '../lib/job-status';
import { agreedChannels, rankFromTop } from '../lib/ranking';
import type { JobSummaryFieldsFragment } from '../gql/graphql';
import type { createChannelExamplesStore } from './create-channel-examples-store';
import type { ChannelImagesStore } from './create-channel-images-store';
import type { LayerFlowStore } from './create-layer-flow-store';
import type { DraftStore } from './create-draft-store';
import type { createGroupIconsStore } from './create-group-icons-store';
import type { createHeatmapStore } from './create-heatmap-store';
import type { createImagesStore } from './create-images-store';
import { createJobTracker, type JobTracker } from './create-job-tracker';
import type { JobsStore } from './create-jobs-store';
import { createLayerSprites } from './create-layer-sprites';
import type { createLayerToLayerStore } from './create-layer-to-layer-store';
import type { createModelStore } from './create-model-store';
import type { createPositionStore } from './create-position-store';
import type { createRouter } from './router';

export interface WorkbenchDeps {
  router: ReturnType<typeof createRouter>;
  model: ReturnType<typeof createModelStore>;
  images: ReturnType<typeof createImagesStore>;
  draft: DraftStore;
  jobs: JobsStore;
  heatmaps: ReturnType<typeof createHeatmapStore>;
  channelExamples: ReturnType<typeof createChannelExamplesStore>;
  channelImages: ChannelImagesStore;
  layerFlows: LayerFlowStore;
  positions: ReturnType<typeof createPositionStore>;
  groupIcons: ReturnType<typeof createGroupIconsStore>;
  layerToLayer: ReturnType<typeof createLayerToLayerStore>;
}

export const methodLabel = (m?: string) => METHODS.find((x) => x.value === m)?.label ?? m ?? '';

/**
 * A model's first layer on the form: the notebook's mixed4d where the model has it, else the
 * layer two thirds of the way to the output, where channels detect parts of objects rather than
 * edges (the article's reason to show mixed4d).
 */
export function defaultLayer(layers: readonly { name: string }[]): string {
  return layers.find((l) => l.name === 'mixed4d')?.name ?? layers[Math.min(layers.length - 1, Math.floor((layers.length * 2) / 3))].name;
}

/**
 * What the job, compare and history pages share and orchestrate: the jobs on screen (one tracker
 * each), the channel open in the detail panel, the pictures of the job's layer, the neuron-group
 * position and its layer-to-layer request, the class refill after an image pick, and the grouping
 * of the history into comparisons. The pages only read it and call its actions.
 */
export function createWorkbench(s: WorkbenchDeps) {
  const route = s.router.route;
  const shownIds = createMemo(() => {
    const r = route();
    return r.page === 'job' ? [r.jobId] : r.page === 'compare' ? r.jobIds.slice(0, 3) : [];
  });
  const topK = () => s.draft.draft.topK;
  // The channel open in the detail panel, and the list or chart it was picked in (the panel opens there).
  const [picked, setPicked] = createSignal<{ channel: number; from: string }>();
  const selected = createMemo(() => picked()?.channel);
  // Snapshots carry the maps of the listed channels and of the one open in the detail panel.
  const mapChannels = createMemo(() => (selected() === undefined ? [] : [selected()!]));
  // Three trackers cover a single job (the first) and a comparison (all three).
  const trackers: JobTracker[] = [0, 1, 2].map((i) => createJobTracker(() => shownIds()[i], topK, mapChannels));
  const shown = () => trackers.slice(0, shownIds().length);
  // In a comparison the path job (second of SIMPLE, PATH, STOCHASTIC_PATH) has the run's steps for header and sparkline.
  const primary = () => (shown().length > 1 ? trackers[1] : trackers[0]);

  // A reopened job (or comparison) puts its inputs and image back in the form.
  createEffect(
    on(
      () => primary().job()?.id,
      () => {
        const job = primary().job();
        if (!job) return;
        s.draft.loadFromJob(job);
        s.images.select(job.image.id);
        s.images.pickSet(job.input.imageIds);
      },
    ),
  );

  // An image the user picks (or uploads) proposes its two top predictions as the class pair, on any
  // page and over edited fields. A reopened job selects its image too, but keeps its own classes:
  // so the refill follows the pick, not every change of the selected image.
  const [refillFor, setRefillFor] = createSignal<string>();
  createEffect(() => {
    const image = s.images.selected();
    const predictions = s.images.predictions();
    if (!image || image.id !== refillFor() || !predictions) return;
    setRefillFor(undefined);
    const [p1, p2] = predictions;
    if (p1) s.draft.set('class1', p1.class.name);
    if (p2) s.draft.set('class2', p2.class.name);
  });
  const pickImage = (id: string) => {
    if (id !== s.images.selectedId()) setRefillFor(id);
    s.images.select(id);
    s.draft.setErrors({});
  };
  const uploadImage = (file: File) => void s.images.upload(file).then((image) => image && setRefillFor(image.id));
  const uploadImages = (files: File[]) =>
    void s.images.uploadMany(files).then((batch) => {
      const last = batch?.images.at(-1);
      if (last) setRefillFor(last.id);
    });
  const toggleImage = (id: string) => {
    if (!s.images.pickedIds().includes(id) && id !== s.images.selectedId()) setRefillFor(id);
    s.images.toggle(id);
    s.draft.setErrors({});
  };

  // Another model has other layers and classes: its layer list replaces the old one (keeping the
  // layer when it has one of that name), and the image's top predictions under it refill the classes.
  const pickModel = (id: string) => {
    if (id === s.draft.draft.model) return;
    s.draft.set('model', id);
    s.draft.setErrors({});
    const image = s.images.selectedId();
    if (image) setRefillFor(image);
    else {
      s.draft.set('class1', '');
      s.draft.set('class2', '');
    }
  };
  createEffect(() => {
    const layers = s.model.layers();
    if (!layers.length || layers.some((l) => l.name === s.draft.draft.layer)) return;
    s.draft.set('layer', defaultLayer(layers));
  });
  const importModel = async (files: readonly File[], id?: string) => {
    const model = await s.model.upload(files, id);
    if (model) pickModel(model.id);
    return model;
  };

  // The grid position pointed at in the neuron-group view; its dictionary and attribution follow the run.
  const [position, setPosition] = createSignal<GridPosition>();
  createEffect(on(shownIds, () => setPosition(undefined), { defer: true }));
  createEffect(() => {
    const p = position();
    const t = trackers[0];
    const snap = t.snapshot();
    if (p && t.jobId() && snap) s.positions.ensure(t.jobId()!, p.x, p.y, `${t.status()}:${snap.stepsDone}`);
  });
  // Icons render on the server at the first ask, once the job has its groups.
  createEffect(() => {
    const t = trackers[0];
    if (t.jobId() && t.snapshot()?.groups) s.groupIcons.ensure(t.jobId()!);
  });
  const positionInfo = () => {
    const p = position();
    return p ? s.positions.info(trackers[0].jobId(), p.x, p.y) : undefined;
  };
  createEffect(on(shownIds, () => setPicked(undefined), { defer: true }));

  // Layer-to-layer attribution from a later layer back to the job's, once the user asks (per job).
  const [layerToLayerAsked, setLayerToLayerAsked] = createSignal<{ jobId: string; to: string }>();
  const layerToLayer = () => {
    const jobId = trackers[0].jobId();
    const from = trackers[0].job()?.input.layer;
    const layers = s.model.layers();
    const at = layers.findIndex((l) => l.name === from);
    if (!jobId || !from || at < 0) return undefined;
    // Later layers the server attributes from in one request (at most 196 positions).
    const later = layers.slice(at + 1).filter((l) => l.width * l.height <= MAX_LAYER_TO_LAYER_TARGETS);
    // By default the first coarser grid (mixed4d -> mixed5a, the notebook's example), else the next layer.
    const fallback = (later.find((l) => l.width < layers[at].width) ?? later[0])?.name;
    const asked = layerToLayerAsked();
    const to = asked?.jobId === jobId ? asked.to : fallback;
    const requested = asked?.jobId === jobId;
    return {
      from,
      to,
      layers: later.map((l) => l.name),
      requested,
      view: requested && to ? s.layerToLayer.get(jobId, to) : undefined,
      onRequest: (layer: string) => {
        setLayerToLayerAsked({ jobId, to: layer });
        s.layerToLayer.ensure(jobId, layer);
      },
    };
  };

  const suggested = createMemo(() => s.images.predictions()?.map((p) => p.class) ?? []);
  const cancellable = createMemo(() => shown().some((t) => t.status() !== undefined && !isTerminal(t.status())));
  const imageUrl = () => trackers[0].job()?.image.path;
  // The notebook's sprites, where a spritemap of the layer has been rendered.
  const spritemapOf = (layer: string | undefined) => {
    const sm = s.model.layers().find((l) => l.name === layer)?.spritemap;
    return sm ? { url: sm.path, spriteSize: sm.size, columns: sm.columns, missing: sm.missingChannels } : null;
  };
  const spritemap = createMemo(() => spritemapOf(primary().job()?.input.layer));
  // Channels without a picture in that spritemap get their own, rendered on demand and arriving live.
  const spriteLayer = () => (route().page === 'job' || route().page === 'compare' ? primary().job()?.input.layer : undefined);
  const spriteModel = () => primary().job()?.input.model;
  const sprites = createLayerSprites(spriteLayer, (channel) => hasSprite(spritemap(), channel), spriteModel);
  const pictureOf = (channel: number) => ({ sprite: sprites.sprite(channel), render: sprites.render(channel) });
  // Everything a channel row draws besides numbers: the image under its heatmap (from that job's
  // snapshot) and its feature visualization; one bundle per tracker, made once.
  const pictures = new Map<JobTracker, ChannelPictures>(
    trackers.map((t) => [
      t,
      {
        get imageUrl() {
          return imageUrl();
        },
        get spritemap() {
          return spritemap();
        },
        pictureOf,
        heatmapOf: (channel: number) => s.heatmaps.heatmap(t.snapshot(), channel),
      },
    ]),
  );
  const picturesOf = (t: JobTracker) => pictures.get(t)!;
  // Once the lists have settled (or the job is over) their rows will not change much: ask for their pictures.
  createEffect(() => {
    if (!sprites.ready()) return;
    const channels = shown().flatMap((t) => {
      const snap = t.snapshot();
      const over = isTerminal(t.status());
      return snap && (snap.settled || snap.done || over) ? [...snap.top, ...snap.bottom].map((x) => x.channel) : [];
    });
    sprites.request(channels, 'VISIBLE');
  });
  const renderLayerSprites = () =>
    sprites.request(
      Array.from({ length: sprites.channels() }, (_, c) => c),
      'LAYER',
    );

  const start = async () => {
    const id = await s.jobs.start(s.images.jobImageIds(), jobLayers(s.draft.draft, s.model.layers()));
    if (id) s.router.navigate({ page: 'job', jobId: id });
  };
  const compare = async () => {
    const ids = await s.jobs.compare(s.images.jobImageIds(), jobLayers(s.draft.draft, s.model.layers()));
    if (ids) s.router.navigate({ page: 'compare', jobIds: ids });
  };
  const cancel = async () => {
    await s.jobs.cancel(
      shown()
        .filter((t) => t.status() && !isTerminal(t.status()))
        .map((t) => t.jobId()!),
    );
    shown().forEach((t) => t.refetch());
  };
  const restart = async () => {
    const id = await s.jobs.restart(trackers[0].jobId()!);
    if (id) s.router.navigate({ page: 'job', jobId: id });
  };

  const detailLayer = () => primary().job()?.input.layer ?? s.draft.draft.layer;
  const detailModel = () => primary().job()?.input.model ?? s.draft.draft.model;
  createEffect(() => {
    const ch = selected();
    if (ch !== undefined) s.channelExamples.ensure(detailLayer(), ch, detailModel());
  });
  // Opening a channel's detail is an explicit ask for its picture: it goes first.
  createEffect(() => {
    const ch = selected();
    if (ch !== undefined && sprites.ready()) sprites.request([ch], 'EXPLICIT');
  });

  // The three jobs of each compareMethods call in the history, in the notebook's order.
  const comparisons = createMemo(() => {
    const byGroup = new Map<string, { id: string; method: string }[]>();
    for (const j of s.jobs.history())
      if (j.groupId) byGroup.set(j.groupId, [...(byGroup.get(j.groupId) ?? []), { id: j.id, method: j.input.method }]);
    return byGroup;
  });
  const comparisonOf = (job: Pick<JobSummaryFieldsFragment, 'groupId'>) => {
    const group = job.groupId ? comparisons().get(job.groupId) : undefined;
    if (group?.length !== 3) return undefined;
    return METHODS.map((m) => group.find((j) => j.method === m.value)?.id).filter((id): id is string => id !== undefined);
  };

  const agreed = createMemo(() => {
    const tops = shown().map((t) => t.snapshot()?.top.map((x) => x.channel));
    return shown().length === 3 && tops.every(Boolean) ? agreedChannels(tops as number[][]) : new Set<number>();
  });

  /** The channel open in the detail panel: its rank under each method shown and its value over the run. */
  const detail = createMemo(() => {
    const ch = selected();
    if (ch === undefined) return undefined;
    const ranks: MethodRank[] = [];
    for (const t of shown()) {
      const values = t.snapshot()?.values;
      if (values && ch < values.length)
        ranks.push({ method: methodLabel(t.job()?.input.method), rank: rankFromTop(values, ch), of: values.length, value: values[ch] });
    }
    const trace = primary()
      .history()
      .map((p) => ({ x: p.stepsDone, y: p.values[ch] }));
    // A run that stopped early (it settled) ends its axis at its last step, as the convergence chart does.
    const snap = primary().snapshot();
    const over = !!snap?.done || isTerminal(primary().status());
    const stepsEnd = over && trace.length > 0 ? trace[trace.length - 1].x : (snap?.stepsTotal ?? 1);
    return { channel: ch, ranks, trace, stepsEnd };
  });
  /**
   * Over several images: the images where a layer's channel mattered most, toward the class its
   * mean pushes to; undefined for a job over one image.
   */
  const channelGallery = (layer: string, channel: number) => {
    const jobId = primary().jobId();
    const snap = primary().snapshot();
    const est = snap?.layers.find((l) => l.layer === layer);
    if (!jobId || !snap || !est || !snap.images) return undefined;
    // The snapshot's own values are its first layer's; another layer's sign shows in its lists.
    const mean = layer === snap.layers[0]?.layer ? (snap.values[channel] ?? 0) : est.bottom.some((b) => b.channel === channel) ? -1 : 1;
    const toward: 'class 1' | 'class 2' = mean < 0 ? 'class 2' : 'class 1';
    const images = s.channelImages.images(jobId, layer, channel, toward === 'class 2' ? 'NEGATIVE' : 'POSITIVE', est.imagesDone);
    return { images, toward, imagesDone: est.imagesDone };
  };
  /** A layer's grid, from the model's layer list. */
  const gridOf = (layer: string) => {
    const l = s.model.layers().find((x) => x.name === layer);
    return l ? { width: l.width, height: l.height } : undefined;
  };
  /** Where one position of a later layer of the job's image comes from in an earlier one. */
  const flowOf = (from: string, to: string, x: number, y: number) => {
    const job = primary().job();
    return job ? s.layerFlows.flow(job.input.model ?? undefined, job.image.id, from, to, x, y) : undefined;
  };
  const detailExamples = (channel: number) =>
    s.channelExamples
      .examples(detailLayer(), channel, detailModel())
      ?.flatMap((e) => (e.image ? [{ imagePath: e.image.path, x: e.x, y: e.y, size: e.size, activation: e.activation }] : []));

  return {
    /** The single job's tracker on a job page; the linear job's in a comparison. */
    job: trackers[0],
    /** The trackers of the jobs on screen (one on a job page, three in a comparison). */
    shown,
    primary,
    selected,
    /** Where the open channel was picked (a list's or a chart's name for itself). */
    selectedFrom: () => picked()?.from,
    select: (channel: number, from: string) => setPicked({ channel, from }),
    closeDetail: () => setPicked(undefined),
    position,
    setPosition,
    positionInfo,
    layerToLayer,
    suggested,
    cancellable,
    imageUrl,
    spritemap,
    spritemapOf,
    picturesOf,
    pictureOf,
    sprites,
    spriteLayer,
    renderLayerSprites,
    pickImage,
    uploadImage,
    pickModel,
    importModel,
    uploadImages,
    toggleImage,
    start,
    compare,
    cancel,
    restart,
    comparisonOf,
    agreed,
    detail,
    detailLayer,
    detailExamples,
    channelGallery,
    gridOf,
    flowOf,
  };
}
export type Workbench = ReturnType<typeof createWorkbench>;
