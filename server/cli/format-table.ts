import type { ModelInfo } from '../engine/engine.js';
import type { GroupsEstimate } from '../engine/building-blocks/requests.js';
import { listedLayers } from '../engine/layer-info.js';
import type { LayerToLayerMaps } from '../engine/building-blocks/layer-to-layer-attribution.js';
import { topGroupChannels } from '../engine/building-blocks/neuron-groups.js';
import type { AttributionRequest, AttributionResult, ChannelScore, LayerEstimate } from '../engine/attribution/types.js';

const BAR_WIDTH = 24;

/** A readable text table of the top and bottom channels, with bars scaled to the largest |value|. */
export function formatAttributionTable(request: AttributionRequest, result: AttributionResult, meta: { image: string }): string {
  const max = Math.max(...result.values.map(Math.abs), 1e-12);
  const row = (c: ChannelScore) => {
    const n = Math.round((Math.abs(c.value) / max) * BAR_WIDTH);
    // The bar is 2 standard errors (docs/convergence.md).
    const bar = `± ${(2 * (result.errors[c.channel] ?? 0)).toFixed(4)}`;
    return `  ${String(c.rank).padStart(3)}  ${String(c.channel).padStart(5)}  ${c.value.toFixed(4).padStart(10)} ${bar.padStart(10)}  ${(c.value >= 0 ? '+' : '-').repeat(n)}`;
  };
  const steps =
    request.tolerance != null
      ? `${result.stepsDone} of at most ${request.steps} steps (tolerance ${request.tolerance})`
      : `${request.steps} steps`;
  const method =
    request.method === 'SIMPLE'
      ? 'SIMPLE (gradient x activation)'
      : `${request.method}, ${steps}, ${request.rule}${request.method === 'STOCHASTIC_PATH' ? `, seed ${request.seed}` : ''}`;
  const gap = request.method === 'STOCHASTIC_PATH' ? '' : `; completeness gap ${(result.completenessGap * 100).toFixed(2)}%`;
  return [
    `${meta.image} @ ${result.layer} (${result.spatial.channels} channels): "${request.class1Label}" vs "${request.class2Label}"`,
    `method ${method}; backend ${result.backend}; ${result.elapsedMs.toFixed(0)} ms`,
    `score(A) - score(0) = ${result.score.toFixed(4)} - ${result.baselineScore.toFixed(4)} = ${(result.score - result.baselineScore).toFixed(4)}; sum of attributions ${result.values.reduce((a, b) => a + b, 0).toFixed(4)}${gap}`,
    `estimated relative error ${(result.relativeError * 100).toFixed(2)}%; ${result.settled ? 'settled' : 'not settled'} (top/bottom lists within the 2-sigma bars)`,
    '',
    `Top ${result.top.length} channels (toward "${request.class1Label}"):`,
    '  rank channel       value   2-sigma',
    ...result.top.map(row),
    '',
    `Bottom ${result.bottom.length} channels (toward "${request.class2Label}"):`,
    '  rank channel       value   2-sigma',
    ...result.bottom.map(row),
    ...(result.groups ? ['', ...formatGroups(result.groups)] : []),
  ].join('\n');
}

/** Each neuron group's attribution with its heaviest channels, left to right as the groups read across the image. */
function formatGroups({ factors, attribution, errors }: GroupsEstimate): string[] {
  const max = Math.max(...attribution.map(Math.abs), 1e-12);
  return [
    `${factors.spatial.length} neuron groups (NMF, reconstruction error ${(factors.reconstructionError * 100).toFixed(1)}%), left to right:`,
    '  group       value    2-sigma                top channels',
    ...attribution.map((v, i) => {
      const bar = (v >= 0 ? '+' : '-').repeat(Math.round((Math.abs(v) / max) * 12)).padEnd(12);
      const top = topGroupChannels(factors, i, 5)
        .map((c) => c.channel)
        .join(', ');
      const sigma2 = `± ${(2 * (errors[i] ?? 0)).toFixed(4)}`;
      return `  ${String(i).padStart(5)}  ${v.toFixed(4).padStart(10)} ${sigma2.padStart(10)}  ${bar}  ${top}`;
    }),
  ];
}

/**
 * Layer-to-layer spatial attribution in a few lines: for the targets with the largest
 * activation magnitude, the source position that feeds each most (row-major (x, y) on both grids).
 */
export function formatLayerToLayer(r: LayerToLayerMaps & { elapsedMs: number }, first = 5): string {
  const strongest = [...r.maps].sort((a, b) => b.magnitude - a.magnitude).slice(0, first);
  return [
    `Layer-to-layer spatial attribution ${r.from} (${r.fromWidth}x${r.fromHeight}) <- ${r.to} (${r.toWidth}x${r.toHeight}): ${r.maps.length} targets in ${(r.elapsedMs / 1000).toFixed(1)} s (--json for every map).`,
    `  ${r.to} (x, y)  magnitude   strongest ${r.from} source (x, y)   value`,
    ...strongest.map((m) => {
      const s = m.values.reduce((best, v, i) => (Math.abs(v) > Math.abs(m.values[best]) ? i : best), 0);
      return `  ${`(${m.x}, ${m.y})`.padStart(14)}  ${m.magnitude.toFixed(2).padStart(9)}   ${`(${s % r.fromWidth}, ${Math.floor(s / r.fromWidth)})`.padStart(24)}   ${m.values[s].toFixed(3).padStart(7)}`;
    }),
  ].join('\n');
}

/** Channels shown per direction and layer in the multi-layer / multi-image table. */
const MANY_TOP = 5;

/**
 * Several layers and/or images: per layer, its top and bottom channels with their 2-sigma bars
 * and, over several images, the mean's bars (spread and integration combined) and in how many
 * images each channel is in the top (or bottom) K.
 */
export function formatLayerEstimates(
  request: AttributionRequest,
  layers: LayerEstimate[],
  meta: { images: string[]; skipped: { file: string; reason: string }[]; elapsedMs: number; backend: string },
): string {
  const several = meta.images.length > 1;
  const head = [
    `${several ? `${meta.images.length} images` : meta.images[0]} @ ${layers.map((l) => l.layer).join(', ')}: "${request.class1Label}" vs "${request.class2Label}"`,
    `method ${request.method}, ${request.tolerance != null ? `tolerance ${request.tolerance}, at most ` : ''}${request.steps} steps, ${request.rule}; backend ${meta.backend}; ${meta.elapsedMs.toFixed(0)} ms`,
    ...(meta.skipped.length ? [`skipped ${meta.skipped.length}: ${meta.skipped.map((s) => `${s.file} (${s.reason})`).join('; ')}`] : []),
    ...(several
      ? [`values are means over the images; 2-sigma bars combine the spread between images and each image's integration error`]
      : []),
  ];
  const k = Math.min(MANY_TOP, request.topK);
  const row = (l: LayerEstimate, list: 'top' | 'bottom') => (c: ChannelScore) => {
    const count = l.acrossImages
      ? `  ${String(list === 'top' ? l.acrossImages.topCount[c.channel] : l.acrossImages.bottomCount[c.channel]).padStart(3)}/${l.acrossImages.imagesDone}`
      : '';
    return `    ${String(c.channel).padStart(5)}  ${c.value.toFixed(4).padStart(10)}  ± ${(2 * (l.errors[c.channel] ?? 0)).toFixed(4)}${count}`;
  };
  const blocks = layers.map((l) =>
    [
      `${l.layer}: ${l.stepsDone} steps, relative error ${(l.relativeError * 100).toFixed(2)}%, ${l.settled ? 'settled' : 'not settled'}` +
        (request.method === 'STOCHASTIC_PATH' ? '' : `, completeness gap ${(l.completenessGap * 100).toFixed(2)}%`),
      `  top ${k} (toward "${request.class1Label}")${several ? `, in the top ${request.topK} of n images` : ''}:`,
      ...l.top.slice(0, k).map(row(l, 'top')),
      `  bottom ${k} (toward "${request.class2Label}")${several ? `, in the bottom ${request.topK} of n images` : ''}:`,
      ...l.bottom.slice(0, k).map(row(l, 'bottom')),
    ].join('\n'),
  );
  return [...head, '', ...blocks.flatMap((b) => [b, ''])].join('\n').trimEnd();
}

/** A model's layer list: the block outputs a user recognises, with channels, grid and tensor, in graph order. */
export function formatLayerList(info: Pick<ModelInfo, 'name' | 'inputSize' | 'layers' | 'labels' | 'source'>): string {
  const shown = listedLayers(info.layers);
  const names = shown.map((l) => [l.name, ...(l.aliases ?? [])].join(' = '));
  const width = Math.max(5, ...names.map((n) => n.length));
  const rows = shown.map(
    (l, i) =>
      `  ${names[i].padEnd(width)}  ${String(l.channels).padStart(8)}  ${`${l.height}x${l.width}`.padEnd(7)}${l.tensor && l.tensor !== l.name ? `  ${l.tensor}` : ''}`,
  );
  const others = info.layers.length - shown.length;
  return [
    `${info.name} (${info.source.path}): ${info.inputSize}x${info.inputSize} RGB input, ${info.labels.classes.length} classes`,
    `${shown.length} layers${others ? `; ${others} other 4-D activations (inside blocks, or bypassed by skip connections) are named by tensor: --list-layers --json lists them all` : ''}`,
    '',
    `  ${'layer'.padEnd(width)}  channels  grid   ${shown.some((l) => l.tensor) ? '  tensor' : ''}`,
    ...rows,
  ].join('\n');
}
