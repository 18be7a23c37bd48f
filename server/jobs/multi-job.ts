import { EngineError } from '../errors/engine-error.js';
import { requestLayers } from '../engine/attribution/layer-set.js';
import { MultiEstimate } from '../engine/attribution/multi-estimate.js';
import type { Snapshot, SpatialMap } from '../engine/attribution/types.js';
import type { Engine, Models } from '../engine/engine.js';
import type { JobRecord } from './job-record.js';
import type { ImageClaims } from './image-claims.js';
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
  /** Scale-out: a multi-image job's images shared with other workers (absent: this process runs them all). */
  claims?: ImageClaims;
  log?: (message: string) => void;
}

/** Most helpers one multi-image job recruits (idle workers take them; a busy pool ignores the rest until free). */
const MAX_HELPERS = 16;
/** How often a lead whose remaining images are held by other workers looks for their units. */
const CLAIM_POLL_MS = 500;

function pause(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
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
    const { store, claims } = this.deps;
    const images = jobImageIds(job);
    const layers = requestLayers(job.request);
    const single = images.length === 1;
    const estimate = new MultiEstimate(layers, images.length, job.request);
    const stored = await store.units(job.id);
    for (const u of stored) estimate.setDone(u.imageIndex, u.layer, u.snapshot);
    const resume = resumeFrom && decodeUnitCheckpoint(resumeFrom);
    const shared = claims && !single ? claims : undefined;
    if (shared) {
      const done = estimate.imagesDone();
      if (done > 0) this.deps.log?.(`job ${job.id}: ${done} of ${images.length} images already stored, resuming after them`);
      const left = images.length - done;
      if (left > 1) await shared.recruit(job.id, job.input.imageId, Math.min(left - 1, MAX_HELPERS));
    }
    const state = { backend: undefined as string | undefined };
    for (;;) {
      let ran = false;
      for (let i = 0; i < images.length; i++) {
        if (estimate.remaining(i).length === 0) continue;
        if (signal.aborted) throw new EngineError('CANCELLED', 'The job was cancelled.');
        if (shared && !(await shared.claim(job.id, i))) continue;
        try {
          // Another worker may have finished it while this one looked elsewhere.
          if (shared && (await this.catchUp(job.id, estimate)) && estimate.remaining(i).length === 0) continue;
          const resumeUnit =
            single && resume && resume.imageIndex === i && estimate.remaining(i).includes(resume.layer) ? resume : undefined;
          await this.runImage(engine, job, i, images, estimate, signal, state, {
            onSnapshot,
            single,
            maps,
            resumeUnit,
            intervalMs,
          });
          ran = true;
        } finally {
          if (shared) await shared.release(job.id, i).catch(() => undefined);
        }
      }
      if (!shared || estimate.imagesDone() === images.length) break;
      // The rest are held by other workers: follow their units as the store gets them.
      if ((await this.catchUp(job.id, estimate)) && !estimate.snapshot().done) onSnapshot(estimate.snapshot());
      if (estimate.imagesDone() === images.length) break;
      if (!ran) await pause(CLAIM_POLL_MS, signal);
    }
    const final = estimate.snapshot();
    if (!final.done) throw new EngineError('CANCELLED', 'The job was cancelled.');
    return { ...final, backend: state.backend ?? engine.info.backend, layer: layers[0] };
  }

  /**
   * A helper's share of a multi-image job another worker leads: every image it can claim, each
   * stored as it finishes; it returns once no image is left unclaimed (the lead follows the store).
   */
  async help(job: JobRecord, signal: AbortSignal, stopped: () => Promise<boolean>): Promise<number> {
    const claims = this.deps.claims;
    const images = jobImageIds(job);
    if (!claims || images.length < 2) return 0;
    const engine = await this.deps.models.engine(job.model);
    const estimate = new MultiEstimate(requestLayers(job.request), images.length, job.request);
    await this.catchUp(job.id, estimate);
    const state = { backend: undefined as string | undefined };
    let ran = 0;
    for (let i = 0; i < images.length; i++) {
      if (estimate.remaining(i).length === 0) continue;
      if (signal.aborted || (await stopped())) break;
      if (!(await claims.claim(job.id, i))) continue;
      try {
        if ((await this.catchUp(job.id, estimate)) && estimate.remaining(i).length === 0) continue;
        await this.runImage(engine, job, i, images, estimate, signal, state, { single: false });
        ran++;
      } finally {
        await claims.release(job.id, i).catch(() => undefined);
      }
    }
    return ran;
  }

  /** Reads units other workers stored into the estimate; true when there were new ones. */
  private async catchUp(jobId: string, estimate: MultiEstimate): Promise<boolean> {
    let added = false;
    for (const u of await this.deps.store.units(jobId))
      if (!estimate.isDone(u.imageIndex, u.layer)) {
        estimate.setDone(u.imageIndex, u.layer, u.snapshot);
        added = true;
      }
    return added;
  }

  /** One image's remaining layers in one engine run, each layer stored as a unit as it finishes. */
  private async runImage(
    engine: Engine,
    job: JobRecord,
    i: number,
    images: readonly string[],
    estimate: MultiEstimate,
    signal: AbortSignal,
    state: { backend: string | undefined },
    out: {
      onSnapshot?: Parameters<JobExecutor>[1];
      single: boolean;
      maps?: Map<string, SpatialMap>;
      resumeUnit?: { layer: string; state: Uint8Array };
      intervalMs?: number;
    },
  ) {
    const { store, claims } = this.deps;
    const { single, maps, onSnapshot, resumeUnit } = out;
    const remaining = estimate.remaining(i);
    if (claims && !single) this.deps.log?.(`job ${job.id}: image ${i + 1} of ${images.length} on this worker`);
    // A long image keeps its claim: renewed well within the lease.
    const renew =
      claims && !single ? setInterval(() => void claims.renew(job.id, i).catch(() => undefined), claims.leaseMs / 3) : undefined;
    try {
      const pixels = await this.deps.pixels(images[i], engine);
      const saves: Promise<void>[] = [];
      await engine.runLayers(
        pixels,
        job.request,
        remaining,
        {
          onSnapshot: (layer, s, spatial, checkpoint) => {
            estimate.setLive(i, layer, s);
            if (!single || !onSnapshot) return;
            if (spatial) maps?.set(layer, spatial);
            onSnapshot(estimate.snapshot(), undefined, checkpoint && encodeUnitCheckpoint(i, layer, checkpoint));
          },
          onLayerDone: (layer, r) => {
            const { spatial, integratedGradient: _g, phases: _p, backend: b, layer: _l, ...final } = r;
            state.backend = b;
            estimate.setDone(i, layer, final as Snapshot);
            if (single) maps?.set(layer, spatial);
            saves.push(store.saveUnit(job.id, { imageIndex: i, layer, snapshot: final as Snapshot }, spatial));
            const snapshot = estimate.snapshot();
            // The last unit's snapshot goes out with the terminal status, after the result is stored.
            if (onSnapshot && !snapshot.done) onSnapshot(snapshot);
          },
        },
        signal,
        { resumeFrom: resumeUnit && { layer: resumeUnit.layer, data: resumeUnit.state }, intervalMs: single ? out.intervalMs : undefined },
      );
      await Promise.all(saves);
    } finally {
      if (renew) clearInterval(renew);
    }
  }
}
