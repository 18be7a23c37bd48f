import type { Snapshot } from '../engine/attribution/types.js';
import { randomUUID } from 'node:crypto';
import type { AttributionMethod, AttributionRequest, SpatialMap } from '../engine/attribution/types.js';
import { validateInput } from '../engine/attribution/validate.js';
import type { Models } from '../engine/engine.js';
import { publicError } from '../errors/error-codes.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { QueueFullError } from '../errors/queue-full-error.js';
import { ShuttingDownError } from '../errors/shutting-down-error.js';
import type { ImageLibrary } from '../images/image-library.js';
import { PromiseCache } from '../promise-cache.js';
import type { JobEvent, JobEvents } from './job-events.js';
import { isTerminal, type JobInput, type JobRecord, type JobStatus } from './job-record.js';
import type { JobPage, JobStore, JobUnit } from './job-store.js';
import { checkImages } from './job-images.js';
import { isMultiJob, jobImageIds, type JobExecution } from './multi-job.js';
import { checkJobBudget, DEFAULT_JOB_LIMITS, type JobLimits } from '../engine/attribution/job-budget.js';
import { requestLayers } from '../engine/attribution/layer-set.js';
import type { JobQueue } from './job-queue.js';
import type { JobRunner } from './job-runner.js';

/** The three methods of the notebook's `compare_attr_methods`, in its order. */
export const COMPARED_METHODS: readonly AttributionMethod[] = ['SIMPLE', 'PATH', 'STOCHASTIC_PATH'];

/** Spatial maps kept in memory (up to ~1 MB each at mixed3b). */
const SPATIAL_CACHE_SIZE = 8;

/**
 * What the schema calls: validation, persistence, queueing and progress streams over the store,
 * queue and events interfaces. Its only state is caches of spatial maps.
 */
export class JobService {
  /** A job without a final map yet (null) is asked again next time. */
  private readonly spatialCache = new PromiseCache<SpatialMap | null>(SPATIAL_CACHE_SIZE, (m) => m !== null);
  /** Set by `drain`: no new jobs. */
  private draining = false;
  /** Aborted by `endStreams`: every progress stream sends its going-away event and ends. */
  private readonly goingAway = new AbortController();
  /** Progress streams not yet ended: one ends once its consumer has taken its last event. */
  private streams = 0;

  constructor(
    private readonly deps: {
      store: JobStore;
      queue: JobQueue;
      events: JobEvents;
      /** Every model's engine: a job is checked against its model's layers and classes. */
      models: Models;
      images: ImageLibrary;
      /** The in-process queue's runner, which holds the running spatial maps; none under Redis. */
      runner?: JobRunner;
      /** Path steps per executor call when a request does not say (ENGINE_BATCH_SIZE). */
      batchSize?: number;
      /** Runs the in-process queue's jobs: holds the running maps of multi-layer jobs; none under Redis. */
      execution?: JobExecution;
      /** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS. */
      limits?: JobLimits;
    },
  ) {}

  /**
   * The spatial map of one unit of a multi job (image `imageIndex` at `layer`): the running one
   * while a single-image job runs in this process, else the stored one; null before it exists.
   */
  async unitSpatial(id: string, imageIndex: number, layer: string): Promise<SpatialMap | null> {
    if (imageIndex === 0) {
      const live = this.deps.execution?.liveMap(id, layer);
      if (live) return live;
    }
    return this.deps.store.unitSpatial(id, imageIndex, layer);
  }

  /** The finished units of a multi job (one image at one layer each), cached per job while it has not changed. */
  units(id: string): Promise<JobUnit[]> {
    return this.deps.store.units(id);
  }

  /** The running estimate's spatial map while the job runs in this process; null otherwise (and under Redis). */
  runningSpatial(id: string): SpatialMap | null {
    return this.deps.runner?.runningSpatial(id) ?? null;
  }

  /** The final spatial map, cached: a dashboard asks for many heatmaps of one job at once. */
  spatial(id: string): Promise<SpatialMap | null> {
    return this.spatialCache.get(id, async () => (await this.deps.store.getSpatial(id)) ?? this.firstLayerSpatial(id));
  }

  /** A single-image multi-layer job's map at its first layer (the layer its own estimate is), once that layer is done. */
  private async firstLayerSpatial(id: string): Promise<SpatialMap | null> {
    const job = await this.deps.store.get(id);
    if (!job || !isMultiJob(job) || jobImageIds(job).length > 1) return null;
    return this.deps.store.unitSpatial(id, 0, requestLayers(job.request)[0]);
  }

  async get(id: string): Promise<JobRecord | null> {
    return this.deps.store.get(id);
  }

  /** Every stored snapshot of the job, fewest steps first: its convergence history (kept across restarts). */
  history(id: string): Promise<Snapshot[]> {
    return this.deps.store.history(id);
  }

  async require(id: string): Promise<JobRecord> {
    const job = await this.deps.store.get(id);
    if (!job) throw new NotFoundError('job', id);
    return job;
  }

  list(opts: { first: number; after?: string | null; status?: JobStatus | null }): Promise<JobPage> {
    return this.deps.store.list(opts);
  }

  /** Validates (UNKNOWN_MODEL, UNKNOWN_LAYER, UNKNOWN_CLASS, BAD_STEPS, NOT_FOUND, QUEUE_FULL) before anything is stored. */
  async start(input: JobInput): Promise<JobRecord> {
    return (await this.startAll([input], null))[0];
  }

  /** SIMPLE, PATH and STOCHASTIC_PATH on one input, queued together (all or none). */
  async compare(input: Omit<JobInput, 'method'>): Promise<JobRecord[]> {
    return this.startAll(
      COMPARED_METHODS.map((method) => ({ ...input, method })),
      randomUUID(),
    );
  }

  /** Whether a job on `model` is queued or running: such a model is not deleted. */
  modelInUse(model: string): Promise<boolean> {
    return this.deps.store.hasUnfinished(model);
  }

  /** Graceful shutdown, first step: new jobs fail with SHUTTING_DOWN; queries and streams carry on. */
  drain() {
    this.draining = true;
  }

  /** Graceful shutdown, last step: every open progress stream yields one event with `goingAway` and ends. */
  endStreams() {
    this.goingAway.abort();
  }

  /** Progress streams still open (after `endStreams`: those whose last event has not been taken yet). */
  get openStreams() {
    return this.streams;
  }

  private async startAll(inputs: JobInput[], groupId: string | null): Promise<JobRecord[]> {
    const { store, queue, models, images } = this.deps;
    if (this.draining) throw new ShuttingDownError();
    const planned: { input: JobInput; model: string; request: AttributionRequest; stepsTotal: number }[] = [];
    for (const given of inputs) {
      const { info } = await models.engine(given.model);
      const input = checkImages(given, images);
      const request = validateInput(input, { labels: info.labels, layers: info.layers, batchSize: this.deps.batchSize });
      const shape = { layers: requestLayers(request).length, images: jobImageIds({ input }).length, steps: request.steps };
      checkJobBudget(shape, this.deps.limits ?? DEFAULT_JOB_LIMITS);
      planned.push({ input, model: info.id, request, stepsTotal: shape.layers * shape.images * shape.steps });
    }
    if (!queue.hasRoom(planned.length)) throw new QueueFullError(queue.stats().maxQueued, planned.length);
    const jobs: JobRecord[] = [];
    for (const { input, model, request, stepsTotal } of planned) {
      jobs.push(await store.create({ id: randomUUID(), groupId, input, model, request, stepsTotal }));
    }
    try {
      await queue.enqueue(jobs);
    } catch (error) {
      // Another request filled the queue while these rows were written, or Redis is away.
      for (const job of jobs) {
        await store.update(job.id, {
          status: 'FAILED',
          finishedAt: new Date(),
          error: { code: publicError(error)?.code ?? 'QUEUE_FULL', message: (error as Error).message },
        });
      }
      throw error;
    }
    return Promise.all(jobs.map((j) => this.require(j.id)));
  }

  /**
   * Queues a new job with the same input as an existing one, computed afresh from step 0 (also
   * for a job that was resumed or could not be: restartJob never reads a checkpoint).
   */
  async restart(id: string): Promise<JobRecord> {
    const job = await this.require(id);
    return this.start(job.input);
  }

  /** Stops a queued or running job (a running one after its current chunk); a finished job is returned as it is. */
  async cancel(id: string): Promise<JobRecord> {
    const job = await this.require(id);
    if (!isTerminal(job.status)) await this.deps.queue.cancel(id);
    return this.require(id);
  }

  /**
   * The job's progress: its current state at once, then each newer snapshot, ending with the
   * terminal event. Call `require(id)` first so an unknown id fails before the stream starts.
   * Each event has a new status or more steps than the one before; the terminal event may
   * repeat the last step count (a cancelled job keeps its partial snapshot).
   */
  async *progress(id: string, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    // Subscribe before reading the store: the store is written before each terminal event, so a
    // job seen unfinished here is sure to deliver its terminal event to this subscription.
    const goingAway = this.goingAway.signal;
    const subscription = this.deps.events.subscribe(id, signal ? AbortSignal.any([signal, goingAway]) : goingAway);
    this.streams++;
    try {
      const job = await this.require(id);
      const current: JobEvent = { jobId: id, status: job.status, stepsTotal: job.stepsTotal, snapshot: job.snapshot, error: job.error };
      if (isTerminal(job.status)) {
        yield current;
        return;
      }
      let last: JobEvent | null = null;
      if (!this.deps.events.latest(id)) {
        yield current;
        last = current;
      }
      for await (const event of subscription) {
        // Skip what this subscriber has already seen (the store and the topic can both hold it).
        const steps = event.snapshot?.stepsDone ?? 0;
        const seen = last && event.status === last.status && steps <= (last.snapshot?.stepsDone ?? 0);
        if (seen && !isTerminal(event.status)) continue;
        last = event;
        yield event;
      }
      // The server is going away and the job has not finished: say so, with the state last sent.
      if (goingAway.aborted && !signal?.aborted && !(last && isTerminal(last.status))) yield { ...(last ?? current), goingAway: true };
    } finally {
      this.streams--;
      await subscription.return?.();
    }
  }
}
