import { EngineError } from '../errors/engine-error.js';
import { requestLayers } from '../engine/attribution/layer-set.js';
import { MultiEstimate } from '../engine/attribution/multi-estimate.js';
import type { Snapshot, SpatialMap } from '../engine/attribution/types.js';
import type { Engine, Models } from '../engine/engine.js';
import type { JobRecord } from './job-record.js';
import type { JobExecutor } from './job-runner.js';
import type { JobStore } from './job-store.js';

/** The images of a job, in order: its `imageIds`, or its one image. */
export const jobImageIds = (job: Pick<JobRecord, 'input'>): string[] =>
  job.input.imageIds && job.input.imageIds.length > 0 ? job.input.imageIds : [job.input.imageId];

/** A job over several layers or several images: run unit by unit (one image at one layer), each unit stored as it finishes. */
export const isMultiJob = (job: Pick<JobRecord, 'input' | 'request'>) =>
  jobImageIds(job).length > 1 || requestLayers(job.request).length > 1;

/**
 * A multi job's checkpoint: which unit it belongs to, then that unit's integration state, as
 * `JSON header length (u32 LE) | header | state bytes`.
 */
export function encodeUnitCheckpoint(imageIndex: number, layer: string, state: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ imageIndex, layer }));
  const out = new Uint8Array(4 + header.length + state.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  out.set(state, 4 + header.length);
  return out;
}

export function decodeUnitCheckpoint(bytes: Uint8Array): { imageIndex: number; layer: string; state: Uint8Array } {
  try {
    const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    const { imageIndex, layer } = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
    if (!Number.isInteger(imageIndex) || typeof layer !== 'string') throw new Error('no unit');
    return { imageIndex, layer, state: bytes.slice(4 + n) };
  } catch (e) {
    throw new EngineError(
      'BAD_CHECKPOINT',
      `The checkpoint of this multi-layer or multi-image job cannot be read (${(e as Error).message}).`,
    );
  }
}

export interface JobExecutorDeps {
  /** Every model's engine: a job runs on its own (`job.model`). */
  models: Models;
  /** The decoded input of an image id for a model, from wherever this process keeps images. */
  pixels: (imageId: string, engine: Engine) => Promise<Float32Array>;
  store: JobStore;
}

/**
 * Runs any job: a single one as one `engine.run`; one over several layers or images unit by unit
 * (one image at one layer), each unit exactly the single job of that image and layer, stored as
 * it finishes (`store.saveUnit`), so that a job resumed after a restart starts at the unit
 * where it stopped, and a cancelled one keeps what is done. Its snapshots are MultiEstimate's:
 * one estimate per layer (over several images, the mean so far with its error). A single
 * image's layers stream every chunk, with checkpoints; several images stream as each unit
 * finishes (each chunk's snapshot of every layer's mean would make the history grow with
 * images x chunks), and resume at the start of the unit they were in.
 */
export class JobExecution {
  /** The running spatial map of each layer of each multi job running here (a single image's), for heatmaps. */
  private readonly liveMaps = new Map<string, Map<string, SpatialMap>>();

  constructor(private readonly deps: JobExecutorDeps) {}

  readonly execute: JobExecutor = async (job, onSnapshot, signal, checkpoints) => {
    const engine = await this.deps.models.engine(job.model);
    if (!isMultiJob(job))
      return engine.run(await this.deps.pixels(job.input.imageId, engine), job.request, onSnapshot, signal, checkpoints);
    const maps = new Map<string, SpatialMap>();
    this.liveMaps.set(job.id, maps);
    try {
      return await this.runUnits(engine, job, onSnapshot, signal, checkpoints.resumeFrom, checkpoints.intervalMs, maps);
    } finally {
      this.liveMaps.delete(job.id);
    }
  };

  /** The running map of `layer` while a single-image multi-layer job runs here; null otherwise. */
  liveMap(jobId: string, layer: string): SpatialMap | null {
    return this.liveMaps.get(jobId)?.get(layer) ?? null;
  }

  private async runUnits(
    engine: Engine,
    job: JobRecord,
    onSnapshot: Parameters<JobExecutor>[1],
    signal: AbortSignal,
    resumeFrom: Uint8Array | undefined,
    intervalMs: number | undefined,
    maps: Map<string, SpatialMap>,
  ) {
    const { store } = this.deps;
    const images = jobImageIds(job);
    const layers = requestLayers(job.request);
    const single = images.length === 1;
    const estimate = new MultiEstimate(layers, images.length, job.request);
    for (const u of await store.units(job.id)) estimate.setDone(u.imageIndex, u.layer, u.snapshot);
    const resume = resumeFrom && decodeUnitCheckpoint(resumeFrom);
    let backend: string | undefined;
    for (let i = 0; i < images.length; i++) {
      const remaining = estimate.remaining(i);
      if (remaining.length === 0) continue;
      if (signal.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
      const pixels = await this.deps.pixels(images[i], engine);
      const saves: Promise<void>[] = [];
      const resumeUnit = single && resume && resume.imageIndex === i && remaining.includes(resume.layer) ? resume : undefined;
      await engine.runLayers(
        pixels,
        job.request,
        remaining,
        {
          onSnapshot: (layer, s, spatial, checkpoint) => {
            estimate.setLive(i, layer, s);
            if (!single) return;
            if (spatial) maps.set(layer, spatial);
            onSnapshot(estimate.snapshot(), undefined, checkpoint && encodeUnitCheckpoint(i, layer, checkpoint));
          },
          onLayerDone: (layer, r) => {
            const { spatial, integratedGradient: _g, phases: _p, backend: b, layer: _l, ...final } = r;
            backend = b;
            estimate.setDone(i, layer, final as Snapshot);
            if (single) maps.set(layer, spatial);
            saves.push(store.saveUnit(job.id, { imageIndex: i, layer, snapshot: final as Snapshot }, spatial));
            const snapshot = estimate.snapshot();
            // The last unit's snapshot goes out with the terminal status, after the result is stored.
            if (!snapshot.done) onSnapshot(snapshot);
          },
        },
        signal,
        { resumeFrom: resumeUnit && { layer: resumeUnit.layer, data: resumeUnit.state }, intervalMs: single ? intervalMs : undefined },
      );
      await Promise.all(saves);
    }
    const final = estimate.snapshot();
    if (!final.done) throw new EngineError('CANCELLED', 'The job was cancelled.');
    return { ...final, backend: backend ?? 'unknown', layer: layers[0] };
  }
}
