import { randomUUID } from 'node:crypto';
import { isEngineError } from '../errors/engine-error.js';
import { INTERNAL_ERROR_CODE, publicError } from '../errors/error-codes.js';
import type { LayerInfo } from '../engine/network/network.js';
import type { Engine } from '../engine/engine.js';
import { priorityRank, type RenderLane } from '../scheduling/render-lane.js';
import { SpritemapEvents, type SpritemapJobEvent } from './spritemap-events.js';
import { resolveSettings, runSpritemap, type SpritemapSettings } from './spritemap-job.js';
import type { SpritemapIndex, SpriteStore } from './sprite-store.js';

export type SpritemapServiceEngine = Pick<Engine, 'renderSprites' | 'composeSpritemap'> & {
  info: { layers: LayerInfo[] };
};

/**
 * Spritemap renders for the API: one at a time (each keeps a worker busy for hours), resumable
 * from DATA_DIR, with progress on typed topics.
 */
export class SpritemapService {
  readonly events = new SpritemapEvents();
  private readonly jobs = new Map<string, { event: SpritemapJobEvent; abort: AbortController }>();
  private chain: Promise<unknown> = Promise.resolve();

  /** `lane`: the API's one render at a time; a spritemap's batches wait there at LAYER priority, behind on-demand sprites on screen. */
  constructor(
    private readonly engine: SpritemapServiceEngine,
    readonly store: SpriteStore,
    private readonly log: (message: string, error?: unknown) => void = (m, e) => console.error(m, e),
    private readonly lane?: RenderLane,
  ) {}

  /** Starts (or queues behind the running one) a render; the same settings while unfinished give the same job. */
  start(settings: SpritemapSettings): SpritemapJobEvent {
    const r = resolveSettings(settings, this.engine.info.layers);
    for (const j of this.jobs.values()) {
      const e = j.event;
      if (e.status === 'RUNNING' && e.layer === r.layer && e.size === r.size && e.steps === r.steps) return e;
    }
    const jobId = randomUUID();
    const abort = new AbortController();
    const event: SpritemapJobEvent = {
      jobId,
      layer: r.layer,
      size: r.size,
      steps: r.steps,
      status: 'RUNNING',
      done: 0,
      total: r.channels.length,
      etaSeconds: null,
      elapsedSeconds: 0,
      latest: [],
      error: null,
    };
    this.jobs.set(jobId, { event, abort });
    this.publish(event);
    this.chain = this.chain.then(() => this.run(jobId, settings));
    return event;
  }

  private publish(e: SpritemapJobEvent) {
    const job = this.jobs.get(e.jobId);
    if (job) job.event = { ...e, latest: [] };
    this.events.publish(e);
  }

  private async run(jobId: string, settings: SpritemapSettings) {
    const job = this.jobs.get(jobId)!;
    if (job.abort.signal.aborted) return this.publish({ ...job.event, status: 'CANCELLED' });
    try {
      await runSpritemap(this.engine, settings, this.engine.info.layers, {
        store: this.store,
        signal: job.abort.signal,
        schedule: this.lane ? (render) => this.lane!.run(() => priorityRank('LAYER'), render) : undefined,
        onProgress: (p) =>
          this.publish({
            ...job.event,
            done: p.done,
            total: p.total,
            etaSeconds: p.etaSeconds,
            elapsedSeconds: p.elapsedSeconds,
            latest: p.latest.map((s) => ({ channel: s.channel, png: s.png, activation: s.activation })),
          }),
      });
      this.publish({ ...job.event, status: 'SUCCEEDED', etaSeconds: 0 });
    } catch (e) {
      if (isEngineError(e) && e.code === 'CANCELLED') this.publish({ ...job.event, status: 'CANCELLED' });
      else this.publish({ ...job.event, status: 'FAILED', error: this.renderError(jobId, e) });
    }
  }

  /** A failure as the error table shows it: a known error's code and sentence; anything else masked, its details in the log. */
  private renderError(jobId: string, e: unknown): { code: string; message: string } {
    const pub = publicError(e);
    if (pub) return { code: pub.code, message: pub.message };
    this.log(`spritemap render ${jobId} failed`, e);
    return { code: INTERNAL_ERROR_CODE, message: 'The render failed unexpectedly. The server log has the details.' };
  }

  job(jobId: string): SpritemapJobEvent | null {
    return this.jobs.get(jobId)?.event ?? null;
  }

  /** Stops a render after its current step; finished sprites stay for a later resume. */
  cancel(jobId: string): SpritemapJobEvent | null {
    const job = this.jobs.get(jobId);
    if (!job) return null;
    job.abort.abort();
    return job.event;
  }

  /** The latest composed spritemap of a layer, or null. */
  spritemap(layer: string): SpritemapIndex | null {
    return this.store.readIndex({ layer });
  }

  /** Graceful shutdown: each open progress stream gets one last event with `goingAway` and completes (sprites it had not taken yet included). */
  endStreams() {
    this.events.endAll((e, taken) => ({ ...e, latest: taken ? [] : e.latest, goingAway: true }));
  }

  /** Open `spritemapProgress` streams (after `endStreams`: those whose last event has not been taken yet). */
  get openStreams() {
    return this.events.subscriberCount();
  }

  /** Cancels every render (at shutdown); finished sprites are kept. */
  close() {
    for (const j of this.jobs.values()) j.abort.abort();
  }
}
