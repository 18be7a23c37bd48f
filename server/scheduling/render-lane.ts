/**
 * How urgent a render is, most urgent first: what the user asked for explicitly (a channel's
 * detail), what is on screen (a job's top and bottom lists, the compare view), a whole-layer
 * spritemap the user started, and the rest of a layer filled in the background.
 */
export const SPRITE_PRIORITIES = ['EXPLICIT', 'VISIBLE', 'LAYER', 'BACKGROUND'] as const;
export type SpritePriority = (typeof SPRITE_PRIORITIES)[number];
export const priorityRank = (p: SpritePriority) => SPRITE_PRIORITIES.indexOf(p);
/**
 * Neuron-group icons (building-blocks/building-blocks-service.ts) are on screen as soon as a job's groups are, but
 * they come after the pictures of the job's channel rows, the notebook's main widget (its 20 sprites
 * should arrive within a minute of the job's end), which are asked for later, when the lists settle:
 * between VISIBLE and LAYER.
 */
export const ICON_RANK = priorityRank('VISIBLE') + 0.5;

interface Entry {
  rank: () => number;
  seq: number;
  start: () => void;
  outranked?: (rank: number) => void;
}

/**
 * One render at a time in the API process (every render shares the engine worker), the most
 * urgent waiting one next, first come first served within a priority. A waiter's rank is read
 * when the lane frees, so a queue whose most urgent item changed while it waited moves up.
 * (Attribution jobs are not in the lane: they never wait for it, and a render steps aside for
 * them between steps, workers/attribution-gate.ts.) The lane serves every render of the engine: the
 * channel sprites (spritemaps/on-demand-sprites.ts), whole-layer spritemaps and the neuron-group
 * icons (building-blocks/building-blocks-service.ts).
 */
export class RenderLane {
  private running: Entry | null = null;
  private seq = 0;
  private readonly waiting: Entry[] = [];

  /**
   * Runs `render` when the lane is free and nothing more urgent waits. While it runs,
   * `outranked(rank)` hears the rank of every render that starts waiting: a render that can give
   * way to a more urgent one (a background batch just started) aborts and queues itself again.
   */
  run<T>(rank: () => number, render: () => Promise<T>, outranked?: (rank: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        rank,
        seq: this.seq++,
        outranked,
        start: () => {
          render()
            .then(resolve, reject)
            .finally(() => {
              this.running = null;
              this.next();
            });
        },
      };
      this.waiting.push(entry);
      this.running?.outranked?.(rank());
      this.next();
    });
  }

  /** Renders waiting for the lane. */
  get queued() {
    return this.waiting.length;
  }

  private next() {
    if (this.running || this.waiting.length === 0) return;
    this.waiting.sort((a, b) => a.rank() - b.rank() || a.seq - b.seq);
    const e = this.waiting.shift()!;
    this.running = e;
    e.start();
  }
}
