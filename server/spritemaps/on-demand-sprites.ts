import { isEngineError } from '../errors/engine-error.js';
import type { Engine } from '../engine/engine.js';
import { FULL_PROFILE, SPRITE_PROFILES, THUMBNAIL_PROFILE, type SpriteProfile } from '../engine/feature-vis/profiles.js';
import { createMailbox, deliver, endWith, iterateMailbox, MailboxTopics, type Mailbox } from '../events/latest-value-mailbox.js';
import { priorityRank, type RenderLane, type SpritePriority } from '../scheduling/render-lane.js';
import { DEFAULT_SEED, resolveSettings } from './spritemap-job.js';
import type { SpriteSetKey, SpriteStore } from './sprite-store.js';

/** A channel's picture as the API serves it: the full profile's where one exists, else the thumbnail. */
export interface ChannelSpriteInfo {
  layer: string;
  channel: number;
  profile: SpriteProfile['name'];
  size: number;
  /** URL path of the PNG (spritemap-routes.ts). */
  path: string;
}

export interface SpriteRenderState {
  layer: string;
  channel: number;
  status: 'QUEUED' | 'RENDERING';
  priority: SpritePriority;
  /** Seconds until this channel's sprite should arrive; null until a render step has been timed. */
  etaSeconds: number | null;
  profile: SpriteProfile['name'];
}

/** Everything a dashboard needs about one layer's pictures, as the subscription carries it. */
export interface LayerSprites {
  layer: string;
  /** Channels in the layer. */
  channels: number;
  sprites: ChannelSpriteInfo[];
  /** Channels queued or rendering, most urgent first. */
  pending: SpriteRenderState[];
  /** The last event of a `layerSprites` stream the server ended because it is shutting down. */
  goingAway?: boolean;
}

/**
 * The URL path of a channel's sprite. `urlPrefix` names the model: empty for the built-in one,
 * `/models/<id>` for an imported one (spritemap-routes.ts serves both).
 */
export const spritePath = (layer: string, profile: SpriteProfile['name'], channel: number, urlPrefix = '') =>
  `${urlPrefix}/sprites/${encodeURIComponent(layer)}/${profile}/${channel}.png`;

/** The sprite set of a profile (the spritemaps' default seed, so `npm run spritemaps` renders are found too). */
export const profileSprites = (layer: string, p: SpriteProfile): SpriteSetKey => ({
  layer,
  size: p.size,
  steps: p.steps,
  seed: DEFAULT_SEED,
});

/** The sprite the API shows for a channel: the first profile that has one (full, then thumbnail); null when none has. */
export function findSprite(
  store: SpriteStore,
  layer: string,
  channel: number,
  profiles: readonly SpriteProfile[] = SPRITE_PROFILES,
  urlPrefix = '',
): ChannelSpriteInfo | null {
  for (const p of profiles) {
    if (store.has(profileSprites(layer, p), channel))
      return { layer, channel, profile: p.name, size: p.size, path: spritePath(layer, p.name, channel, urlPrefix) };
  }
  return null;
}

interface Pending {
  layer: string;
  channel: number;
  priority: SpritePriority;
  seq: number;
}

interface Running {
  layer: string;
  /** Channels not finished yet, with the priority each was queued at. */
  channels: Map<number, SpritePriority>;
  priority: SpritePriority;
  step: number;
  steps: number;
  abort: AbortController;
}

/** Events carrying only an ETA change go out at most this often per layer. */
const STEP_EVENT_MS = 1000;

/**
 * Sprites on demand: channels asked for (on screen, or explicitly) that have no picture yet are
 * rendered in the thumbnail profile, most urgent first, as one batch per layer; with `background`
 * (SPRITES_BACKGROUND=1), once a layer has been asked for, the rest of it follows. Every batch goes through the render
 * lane (one render at a time, by priority) and, in the worker, steps aside for attribution jobs
 * between steps. Each sprite is saved as it arrives, into the same files the spritemaps use.
 */
export class OnDemandSprites {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private running: Running | null = null;
  private inLane = false;
  private closed = false;
  /** Measured seconds per render step per channel in the batch (the latest batch's average). */
  private secondsPerChannelStep: number | null = null;
  private readonly backgroundQueued = new Set<string>();
  private readonly subscribers = new MailboxTopics<Mailbox<LayerSprites>>();
  private readonly lastStepEvent = new Map<string, number>();

  constructor(
    private readonly engine: Pick<Engine, 'renderSprites' | 'info'>,
    private readonly lane: RenderLane,
    readonly store: SpriteStore,
    private readonly options: {
      background: boolean;
      profile?: SpriteProfile;
      /** The model's URL prefix (spritePath): empty for the built-in model. */
      urlPrefix?: string;
    } = { background: false },
  ) {}

  private get urlPrefix() {
    return this.options.urlPrefix ?? '';
  }

  private get profile() {
    return this.options.profile ?? THUMBNAIL_PROFILE;
  }

  /** Where pictures are looked for, in order: the full profile, then the one this queue renders. */
  get profiles(): readonly SpriteProfile[] {
    return [FULL_PROFILE, this.profile];
  }

  /**
   * Queues the channels of `layer` that have no sprite yet (UNKNOWN_LAYER / BAD_ARGUMENT first);
   * a channel already queued moves up if this priority is more urgent.
   */
  request(layer: string, channels: number[], priority: SpritePriority): LayerSprites {
    const r = resolveSettings({ layer, channels }, this.engine.info.layers);
    for (const c of r.channels) this.enqueue(layer, c, priority);
    if (this.options.background && priority !== 'BACKGROUND' && !this.backgroundQueued.has(layer)) {
      this.backgroundQueued.add(layer);
      for (let c = 0; c < r.layerChannels; c++) this.enqueue(layer, c, 'BACKGROUND');
    }
    this.preemptBackground(priorityRank(priority));
    this.schedule();
    this.publish(layer);
    return this.state(layer);
  }

  private enqueue(layer: string, channel: number, priority: SpritePriority) {
    if (this.running?.layer === layer && this.running.channels.has(channel)) return;
    const key = `${layer}:${channel}`;
    const cur = this.pending.get(key);
    if (cur) {
      if (priorityRank(priority) < priorityRank(cur.priority)) this.pending.set(key, { ...cur, priority, seq: this.seq++ });
      return;
    }
    if (findSprite(this.store, layer, channel, this.profiles)) return;
    this.pending.set(key, { layer, channel, priority, seq: this.seq++ });
  }

  /** A background batch less than half done gives way to a more urgent request (its channels go back in the queue). */
  private preemptBackground(rank: number) {
    const r = this.running;
    if (r && r.priority === 'BACKGROUND' && rank < priorityRank('BACKGROUND') && r.step < r.steps / 2) r.abort.abort();
  }

  private ordered(): Pending[] {
    return [...this.pending.values()].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.seq - b.seq);
  }

  private schedule() {
    if (this.inLane || this.closed || this.pending.size === 0) return;
    this.inLane = true;
    const rank = () => Math.min(...[...this.pending.values()].map((p) => priorityRank(p.priority)), 99);
    // Other renders in the lane (group icons, whole-layer spritemaps) preempt a background batch too.
    void this.lane
      .run(
        rank,
        () => this.renderNext(),
        (r) => this.preemptBackground(r),
      )
      .finally(() => {
        this.inLane = false;
        this.schedule();
      });
  }

  /** Renders the most urgent batch: up to one profile batch of one layer's most urgent channels. */
  private async renderNext() {
    const order = this.ordered();
    if (order.length === 0 || this.closed) return;
    const layer = order[0].layer;
    const batch = order.filter((p) => p.layer === layer).slice(0, this.profile.batch);
    for (const p of batch) this.pending.delete(`${p.layer}:${p.channel}`);
    const { size, steps } = this.profile;
    const set = profileSprites(layer, this.profile);
    const running: Running = {
      layer,
      channels: new Map(batch.map((p) => [p.channel, p.priority])),
      priority: batch[0].priority,
      step: 0,
      steps,
      abort: new AbortController(),
    };
    this.running = running;
    this.publish(layer);
    let last = 0;
    try {
      await this.engine.renderSprites(
        { layer, channels: batch.map((p) => p.channel), size, steps, seed: DEFAULT_SEED, batch: batch.length },
        (sprite) => {
          this.store.save(set, sprite);
          running.channels.delete(sprite.channel);
          this.publish(layer);
        },
        (step, _steps, at) => {
          const now = at;
          // The first step's time includes waiting for attribution and the graph compile: not timed.
          if (last && step > 1) {
            const perChannel = (now - last) / 1000 / batch.length;
            this.secondsPerChannelStep =
              this.secondsPerChannelStep === null ? perChannel : 0.8 * this.secondsPerChannelStep + 0.2 * perChannel;
          }
          last = now;
          running.step = step;
          if (performance.now() - (this.lastStepEvent.get(layer) ?? 0) >= STEP_EVENT_MS) this.publish(layer);
        },
        running.abort.signal,
      );
    } catch (e) {
      // Preempted or closing: what did not finish goes back in the queue; any other failure drops the batch (no retry loop).
      if (isEngineError(e) && e.code === 'CANCELLED') {
        this.running = null;
        // Back in their old places (their sequence numbers), unless asked for again meanwhile.
        if (!this.closed)
          for (const p of batch)
            if (running.channels.has(p.channel) && !this.pending.has(`${p.layer}:${p.channel}`))
              this.pending.set(`${p.layer}:${p.channel}`, p);
      } else if (!this.closed) {
        console.error(`sprites: rendering ${layer} channels ${batch.map((p) => p.channel).join(',')} failed: ${(e as Error).message}`);
      }
    } finally {
      this.running = null;
      this.publish(layer);
    }
  }

  /** The layer's sprites and what is queued or rendering, with ETAs. */
  state(layer: string): LayerSprites {
    const info = this.engine.info.layers.find((l) => l.name === layer);
    const channels = info?.channels ?? 0;
    const shown = new Set<number>();
    const sprites: ChannelSpriteInfo[] = [];
    for (const p of this.profiles) {
      for (const channel of [...this.store.finished(profileSprites(layer, p))].sort((a, b) => a - b)) {
        if (shown.has(channel) || channel >= channels) continue;
        shown.add(channel);
        sprites.push({ layer, channel, profile: p.name, size: p.size, path: spritePath(layer, p.name, channel, this.urlPrefix) });
      }
    }
    return { layer, channels, sprites, pending: this.pendingStates(layer) };
  }

  private pendingStates(layer: string): SpriteRenderState[] {
    const { steps, batch, name } = this.profile;
    const perStep = this.secondsPerChannelStep;
    const r = this.running;
    const out: SpriteRenderState[] = [];
    // Seconds until the running batch ends; each later batch of `batch` channels takes steps * batch * perStep.
    const runningLeft = r && perStep !== null ? (r.steps - r.step) * r.channels.size * perStep : r ? null : 0;
    if (r?.layer === layer)
      for (const [channel, priority] of r.channels)
        out.push({ layer, channel, status: 'RENDERING', priority, etaSeconds: runningLeft, profile: name });
    // Queue positions count every layer's channels: batches run in this order whatever their layer.
    this.ordered().forEach((p, i) => {
      if (p.layer !== layer) return;
      const eta = runningLeft === null || perStep === null ? null : runningLeft + (Math.floor(i / batch) + 1) * steps * batch * perStep;
      out.push({ layer, channel: p.channel, status: 'QUEUED', priority: p.priority, etaSeconds: eta, profile: name });
    });
    return out;
  }

  /** The channel's sprite (full profile in preference), or null. */
  sprite(layer: string, channel: number): ChannelSpriteInfo | null {
    return findSprite(this.store, layer, channel, this.profiles, this.urlPrefix);
  }

  /** A channel's render state, or null when it is neither queued nor rendering. */
  renderState(layer: string, channel: number): SpriteRenderState | null {
    return this.pendingStates(layer).find((s) => s.channel === channel) ?? null;
  }

  private publish(layer: string) {
    this.lastStepEvent.set(layer, performance.now());
    const subs = [...this.subscribers.of(layer)];
    if (subs.length === 0) return;
    const state = this.state(layer);
    for (const sub of subs) deliver(sub, state);
  }

  /** Graceful shutdown: each `layerSprites` stream gets one last event, the layer's state with `goingAway`, and completes. */
  endStreams() {
    for (const layer of this.subscribers.topics()) {
      const state: LayerSprites = { ...this.state(layer), goingAway: true };
      for (const sub of this.subscribers.of(layer)) endWith(sub, state);
    }
  }

  /** Open `layerSprites` streams (after `endStreams`: those whose last event has not been taken yet). */
  get openStreams() {
    return this.subscribers.count();
  }

  /** The layer's state at once, then after every change (a finished sprite, a new request, ETA updates about once a second). */
  subscribe(layer: string, signal?: AbortSignal): AsyncIterableIterator<LayerSprites> {
    resolveSettings({ layer, channels: [0] }, this.engine.info.layers);
    const box = createMailbox(this.state(layer));
    const unregister = this.subscribers.add(layer, box);
    return iterateMailbox(box, { signal, isLast: () => false, onClose: unregister });
  }

  /** Stops the running batch and forgets the queue (at shutdown); finished sprites stay. */
  close() {
    this.closed = true;
    this.pending.clear();
    this.running?.abort.abort();
  }
}
