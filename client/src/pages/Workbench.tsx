import { createEffect, createMemo, createSignal, Match, on, Show, Switch } from 'solid-js';
import { ChannelDetail, type MethodRank } from '../components/ChannelDetail';
import { hasSprite } from '../components/ChannelSprite';
import { CompareView } from '../components/CompareView';
import { ImagePicker, exampleName } from '../components/ImagePicker';
import { JobForm, METHODS } from '../components/JobForm';
import { JobHeader } from '../components/JobHeader';
import { GroupsPanel } from '../components/GroupsPanel';
import type { GridPosition } from '../components/GroupsOverlay';
import { JobHistory } from '../components/JobHistory';
import { LayerSpritesPanel } from '../components/LayerSpritesPanel';
import { LivePanel } from '../components/LivePanel';
import { Predictions } from '../components/Predictions';
import { agreedChannels, rankFromTop } from '../lib/ranking';
import { useStore } from '../store';
import { createJobTracker, type JobTracker, TERMINAL } from '../store/create-job-tracker';
import { createLayerSprites } from '../store/create-layer-sprites';
import { errorMessage } from '../store/field-errors';
import { routePath } from '../store/router';
import { MAX_LAYER_TO_LAYER_TARGETS } from '../components/LayerToLayerDetail';

const methodLabel = (m?: string) => METHODS.find((x) => x.value === m)?.label ?? m ?? '';

/**
 * The one page: inputs on the left, the job (or the three compared jobs, or the history) on the
 * right. It reads the stores and hands plain props to the components.
 */
export function Workbench() {
  const { router, images, model, draft, jobs, heatmaps, channelExamples, positions, groupIcons, layerToLayer } = useStore();
  const route = router.route;

  const shownIds = createMemo(() => {
    const r = route();
    return r.page === 'job' ? [r.jobId] : r.page === 'compare' ? r.jobIds.slice(0, 3) : [];
  });
  const topK = () => draft.draft.topK;
  const [selected, setSelected] = createSignal<number>();
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
        draft.loadFromJob(job);
        images.select(job.image.id);
      },
    ),
  );

  // An image the user picks (or uploads) proposes its two top predictions as the class pair, on any
  // page and over edited fields. A reopened job selects its image too, but keeps its own classes:
  // so the refill follows the pick, not every change of the selected image.
  const [refillFor, setRefillFor] = createSignal<string>();
  createEffect(() => {
    const image = images.selected();
    if (!image || image.id !== refillFor()) return;
    setRefillFor(undefined);
    const [p1, p2] = image.predictions;
    if (p1) draft.set('class1', p1.class.name);
    if (p2) draft.set('class2', p2.class.name);
  });

  // The grid position pointed at in the neuron-group view; its dictionary and attribution follow the run.
  const [position, setPosition] = createSignal<GridPosition>();
  createEffect(on(shownIds, () => setPosition(undefined), { defer: true }));
  createEffect(() => {
    const p = position();
    const t = trackers[0];
    const snap = t.snapshot();
    if (p && t.jobId() && snap) positions.ensure(t.jobId()!, p.x, p.y, `${t.status()}:${snap.stepsDone}`);
  });
  // Icons render on the server at the first ask, once the job has its groups.
  createEffect(() => {
    const t = trackers[0];
    if (t.jobId() && t.snapshot()?.groups) groupIcons.ensure(t.jobId()!);
  });
  const positionInfo = () => {
    const p = position();
    return p ? positions.info(trackers[0].jobId(), p.x, p.y) : undefined;
  };
  createEffect(on(shownIds, () => setSelected(undefined), { defer: true }));

  // Layer-to-layer attribution from a later layer back to the job's, once the user asks (per job).
  const [layerToLayerAsked, setLayerToLayerAsked] = createSignal<{ jobId: string; to: string }>();
  const layerToLayerProps = () => {
    const jobId = trackers[0].jobId();
    const from = trackers[0].job()?.input.layer;
    const layers = model.layers();
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
      view: requested && to ? layerToLayer.get(jobId, to) : undefined,
      onRequest: (layer: string) => {
        setLayerToLayerAsked({ jobId, to: layer });
        layerToLayer.ensure(jobId, layer);
      },
    };
  };

  const suggested = createMemo(() => images.selected()?.predictions.map((p) => p.class) ?? []);
  const cancellable = createMemo(() => shown().some((t) => t.status() !== undefined && !TERMINAL.has(t.status()!)));
  const imageUrl = () => trackers[0].job()?.image.path;
  // The notebook's sprites, where a spritemap of the job's layer has been rendered.
  const spritemap = createMemo(() => {
    const layer = primary().job()?.input.layer;
    const sm = model.layers().find((l) => l.name === layer)?.spritemap;
    return sm ? { url: sm.path, spriteSize: sm.size, columns: sm.columns, missing: sm.missingChannels } : null;
  });
  // Channels without a picture in that spritemap get their own, rendered on demand and arriving live.
  const spriteLayer = () => (route().page === 'job' || route().page === 'compare' ? primary().job()?.input.layer : undefined);
  const sprites = createLayerSprites(spriteLayer, (channel) => hasSprite(spritemap(), channel));
  const pictureOf = (channel: number) => ({ sprite: sprites.sprite(channel), render: sprites.render(channel) });
  // Once the lists have settled (or the job is over) their rows will not change much: ask for their pictures.
  createEffect(() => {
    if (!sprites.ready()) return;
    const channels = shown().flatMap((t) => {
      const snap = t.snapshot();
      const over = t.status() !== undefined && TERMINAL.has(t.status()!);
      return snap && (snap.settled || snap.done || over) ? [...snap.top, ...snap.bottom].map((s) => s.channel) : [];
    });
    sprites.request(channels, 'VISIBLE');
  });

  const start = async () => {
    const id = await jobs.start(images.selectedId());
    if (id) router.navigate({ page: 'job', jobId: id });
  };
  const compare = async () => {
    const ids = await jobs.compare(images.selectedId());
    if (ids) router.navigate({ page: 'compare', jobIds: ids });
  };
  const cancel = async () => {
    await jobs.cancel(
      shown()
        .filter((t) => t.status() && !TERMINAL.has(t.status()!))
        .map((t) => t.jobId()!),
    );
    shown().forEach((t) => t.refetch());
  };

  const detailLayer = () => primary().job()?.input.layer ?? draft.draft.layer;
  createEffect(() => {
    const ch = selected();
    if (ch !== undefined) channelExamples.ensure(detailLayer(), ch);
  });
  // Opening a channel's detail is an explicit ask for its picture: it goes first.
  createEffect(() => {
    const ch = selected();
    if (ch !== undefined && sprites.ready()) sprites.request([ch], 'EXPLICIT');
  });
  const layerSpritesPanel = () => (
    <Show when={spriteLayer() && sprites.ready() && sprites.channels() > 0}>
      <LayerSpritesPanel
        layer={spriteLayer()!}
        rendered={sprites.rendered()}
        channels={sprites.channels()}
        rendering={sprites.layerRendering()}
        etaSeconds={sprites.etaSeconds()}
        error={sprites.error() ? errorMessage(sprites.error()!) : undefined}
        onRenderLayer={() =>
          sprites.request(
            Array.from({ length: sprites.channels() }, (_, c) => c),
            'LAYER',
          )
        }
      />
    </Show>
  );
  const heatmapOf = (t: JobTracker) => (channel: number) => heatmaps.heatmap(t.snapshot(), channel);

  // The three jobs of each compareMethods call in the history, in the notebook's order.
  const comparisons = createMemo(() => {
    const byGroup = new Map<string, { id: string; method: string }[]>();
    for (const j of jobs.history())
      if (j.groupId) byGroup.set(j.groupId, [...(byGroup.get(j.groupId) ?? []), { id: j.id, method: j.input.method }]);
    return byGroup;
  });
  const comparisonOf = (job: { groupId?: string | null }) => {
    const group = job.groupId ? comparisons().get(job.groupId) : undefined;
    if (group?.length !== 3) return undefined;
    return METHODS.map((m) => group.find((j) => j.method === m.value)?.id).filter((id): id is string => id !== undefined);
  };

  const agreed = createMemo(() => {
    const tops = shown().map((t) => t.snapshot()?.top.map((s) => s.channel));
    return shown().length === 3 && tops.every(Boolean) ? agreedChannels(tops as number[][]) : new Set<number>();
  });

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
    return { channel: ch, ranks, trace, stepsTotal: primary().snapshot()?.stepsTotal ?? 1 };
  });

  return (
    <div class="workbench" classList={{ 'full-width': route().page === 'history' }}>
      <Show when={route().page !== 'history'}>
        <aside class="inputs" aria-label="Inputs">
          <ImagePicker
            examples={images.examples()}
            uploads={images.uploads()}
            selectedId={images.selectedId()}
            onSelect={(id) => {
              if (id !== images.selectedId()) setRefillFor(id);
              images.select(id);
              draft.setErrors({});
            }}
            onUpload={(file) => void images.upload(file).then((image) => image && setRefillFor(image.id))}
            uploading={images.uploading()}
            error={images.uploadError() ?? draft.errors().image ?? images.examplesError()}
          />
          <Show when={images.selected()}>
            {(image) => <Predictions imageUrl={image().path} name={exampleName(image())} predictions={image().predictions} />}
          </Show>
          <JobForm
            draft={draft.draft}
            onChange={draft.set}
            layers={model.layers()}
            classes={model.classes()}
            suggested={suggested()}
            errors={draft.errors()}
            busy={jobs.busy()}
            cancellable={cancellable()}
            actionError={jobs.actionError()}
            onStart={start}
            onCompare={compare}
            onCancel={cancel}
          />
        </aside>
      </Show>
      <main class="results" id="main">
        <Switch>
          <Match when={route().page === 'new'}>
            <section class="intro">
              <h2>Channel attribution</h2>
              <p>
                Which channels of a layer push GoogLeNet toward class 1 rather than class 2, and by how much? Pick an image and a class
                pair, then start a job: the distribution and the top and bottom channels redraw as the path integral accumulates steps.
              </p>
              <p>
                Compare methods runs linear, path and stochastic path attribution side by side, as the notebook's compare_attr_methods does.
              </p>
            </section>
          </Match>
          <Match when={route().page === 'job'}>
            <Show
              when={!trackers[0].notFound()}
              fallback={
                <p class="field-error" role="alert">
                  No job with this id.
                </p>
              }
            >
              <JobHeader
                job={trackers[0].job()}
                status={trackers[0].status()}
                onRestart={async () => {
                  const id = await jobs.restart(trackers[0].jobId()!);
                  if (id) router.navigate({ page: 'job', jobId: id });
                }}
              />
              <Show when={trackers[0].error()}>
                {(e) => (
                  <p class="field-error" role="alert">
                    {errorMessage(e())}
                  </p>
                )}
              </Show>
              <LivePanel
                status={trackers[0].status()}
                snapshot={trackers[0].snapshot()}
                history={trackers[0].history()}
                stochastic={trackers[0].job()?.input.method === 'STOCHASTIC_PATH'}
                settledAt={trackers[0].settledAt()}
                imageUrl={imageUrl()}
                heatmapOf={heatmapOf(trackers[0])}
                spritemap={spritemap()}
                pictureOf={pictureOf}
                selected={selected()}
                onSelect={setSelected}
              />
              {layerSpritesPanel()}
              <Show when={trackers[0].snapshot()?.groups}>
                {(g) => (
                  <GroupsPanel
                    groups={g()}
                    stepsDone={trackers[0].snapshot()!.stepsDone}
                    imageUrl={imageUrl()}
                    spritemap={spritemap()}
                    position={position()}
                    onPosition={setPosition}
                    positionInfo={positionInfo()}
                    icons={groupIcons.icons(trackers[0].jobId()) ?? undefined}
                    layerToLayer={layerToLayerProps()}
                  />
                )}
              </Show>
            </Show>
          </Match>
          <Match when={route().page === 'compare'}>
            <JobHeader job={primary().job()} comparing />
            <CompareView
              columns={shown().map((t) => ({
                jobId: t.jobId()!,
                method: methodLabel(t.job()?.input.method),
                status: t.status(),
                snapshot: t.snapshot(),
                history: t.history(),
                heatmapOf: heatmapOf(t),
              }))}
              agreed={agreed()}
              imageUrl={imageUrl()}
              spritemap={spritemap()}
              pictureOf={pictureOf}
              selected={selected()}
              onSelect={setSelected}
              onOpenJob={(id) => router.navigate({ page: 'job', jobId: id })}
            />
            {layerSpritesPanel()}
          </Match>
          <Match when={route().page === 'history'}>
            <JobHistory
              jobs={jobs.history()}
              hrefOf={(job) => routePath({ page: 'job', jobId: job.id })}
              onOpen={(job) => router.navigate({ page: 'job', jobId: job.id })}
              compareOf={(job) => {
                const ids = comparisonOf(job);
                return (
                  ids && {
                    href: routePath({ page: 'compare', jobIds: ids }),
                    open: () => router.navigate({ page: 'compare', jobIds: ids }),
                  }
                );
              }}
              hasMore={jobs.historyHasMore()}
              loading={jobs.historyLoading()}
              error={jobs.historyError()}
              onMore={jobs.loadMoreHistory}
              onRefresh={jobs.refreshHistory}
            />
          </Match>
        </Switch>
        <Show when={detail()}>
          {(d) => (
            <ChannelDetail
              channel={d().channel}
              layer={detailLayer()}
              imageUrl={imageUrl()}
              heatmapUrl={heatmaps.heatmap(primary().snapshot(), d().channel)}
              spritemap={spritemap()}
              picture={pictureOf(d().channel)}
              examples={channelExamples
                .examples(detailLayer(), d().channel)
                ?.flatMap((e) => (e.image ? [{ imagePath: e.image.path, x: e.x, y: e.y, size: e.size, activation: e.activation }] : []))}
              trace={d().trace}
              stepsTotal={d().stepsTotal}
              ranks={d().ranks}
              onClose={() => setSelected(undefined)}
            />
          )}
        </Show>
      </main>
    </div>
  );
}
