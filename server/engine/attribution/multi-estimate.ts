import { meanOverImages, type ImageEstimate } from './image-mean.js';
import type { LayerEstimate, Snapshot } from './types.js';

/** The empty estimate of a layer nothing has been computed for yet. */
const queued = (layer: string, stepsTotal: number): LayerEstimate => ({
  layer,
  status: 'QUEUED',
  stepsDone: 0,
  stepsTotal,
  values: [],
  errors: [],
  relativeError: 0,
  settled: false,
  top: [],
  bottom: [],
  score: 0,
  baselineScore: 0,
  completenessGap: 1,
  rankStability: 0,
  elapsedMs: 0,
  etaMs: 0,
  done: false,
});

/**
 * The running state of a job over several layers and/or images, made of its units (one image at
 * one layer, each integrated exactly as a single job would be): the done ones' final
 * estimates, and the live one's latest snapshot. `snapshot()` is the job's snapshot: one
 * LayerEstimate per layer (one image: that layer's own estimate; several: the mean over the
 * images done, image-mean.ts), the first layer's estimate as the snapshot's own fields, and the
 * whole job's steps, time and progress.
 */
export class MultiEstimate {
  private readonly done: (ImageEstimate | undefined)[][];
  private readonly live = new Map<string, Snapshot>();
  private readonly previous = new Map<string, LayerEstimate>();

  constructor(
    readonly layers: readonly string[],
    readonly imageCount: number,
    private readonly request: { steps: number; topK: number },
  ) {
    this.done = Array.from({ length: imageCount }, () => new Array(layers.length).fill(undefined));
  }

  private key = (image: number, layer: string) => `${image}:${layer}`;

  isDone(image: number, layer: string): boolean {
    return this.done[image][this.layers.indexOf(layer)] !== undefined;
  }

  /** Images done at every layer. */
  imagesDone(): number {
    return this.done.filter((row) => row.every((e) => e !== undefined)).length;
  }

  /** The layers of an image still to run, in order. */
  remaining(image: number): string[] {
    return this.layers.filter((l) => !this.isDone(image, l));
  }

  setDone(image: number, layer: string, estimate: ImageEstimate) {
    this.done[image][this.layers.indexOf(layer)] = estimate;
    this.live.delete(this.key(image, layer));
  }

  setLive(image: number, layer: string, snapshot: Snapshot) {
    this.live.set(this.key(image, layer), snapshot);
  }

  /** The final estimates of one layer, for the images done at it, in image order (with their image indexes). */
  doneAt(layer: string): { image: number; estimate: ImageEstimate }[] {
    const l = this.layers.indexOf(layer);
    return this.done.flatMap((row, image) => (row[l] ? [{ image, estimate: row[l]! }] : []));
  }

  get complete(): boolean {
    return this.done.every((row) => row.every((e) => e !== undefined));
  }

  private layerEstimate(layer: string): LayerEstimate {
    const stepsTotal = this.request.steps * this.imageCount;
    const done = this.doneAt(layer);
    let estimate: LayerEstimate;
    if (this.imageCount === 1) {
      const only = done[0]?.estimate ?? this.live.get(this.key(0, layer));
      const { layers: _l, images: _i, groups: _g, projections: _p, ...own } = (only ?? {}) as Snapshot;
      estimate = only ? { ...own, layer, status: done.length ? 'DONE' : 'RUNNING' } : queued(layer, stepsTotal);
    } else if (done.length === 0) {
      estimate = queued(layer, stepsTotal);
    } else {
      estimate = meanOverImages(
        layer,
        done.map((d) => d.estimate),
        this.request.topK,
        this.previous.get(layer),
      );
      estimate.stepsTotal = stepsTotal;
      estimate.status = done.length === this.imageCount ? 'DONE' : 'RUNNING';
    }
    // Steps of the images still running at this layer count too.
    for (const [key, s] of this.live) if (key.endsWith(`:${layer}`) && this.imageCount > 1) estimate.stepsDone += s.stepsDone;
    estimate.done = estimate.status === 'DONE';
    if (estimate.status === 'QUEUED' && [...this.live.keys()].some((k) => k.endsWith(`:${layer}`))) estimate.status = 'RUNNING';
    this.previous.set(layer, estimate);
    return estimate;
  }

  /** The job's snapshot now; `msPerStep` (the recent pace) gives the ETA of the steps left at most. */
  snapshot(msPerStep?: number): Snapshot {
    const layers = this.layers.map((l) => this.layerEstimate(l));
    const { layer: _layer, status: _status, acrossImages: _across, ...first } = layers[0];
    const stepsDone = layers.reduce((s, l) => s + l.stepsDone, 0);
    const stepsTotal = this.request.steps * this.imageCount * this.layers.length;
    const elapsedMs = layers.reduce((s, l) => s + l.elapsedMs, 0) + this.liveElapsed();
    const done = this.complete;
    const pace = msPerStep ?? (stepsDone > 0 ? elapsedMs / stepsDone : 0);
    const doneIndexes = this.done.flatMap((row, i) => (row.every((e) => e !== undefined) ? [i] : []));
    return {
      ...first,
      stepsDone,
      stepsTotal,
      elapsedMs,
      etaMs: done ? 0 : pace * Math.max(0, stepsTotal - stepsDone),
      done,
      layers,
      ...(this.imageCount > 1 && { images: { total: this.imageCount, done: doneIndexes.length, doneIndexes } }),
    } as Snapshot;
  }

  /** Compute time of the units still running (several images: not yet in any layer's mean). */
  private liveElapsed(): number {
    if (this.imageCount === 1) return 0;
    let t = 0;
    for (const s of this.live.values()) t += s.elapsedMs;
    return t;
  }
}
