/**
 * How urgent a render is, most urgent first: what the user asked for explicitly (a channel's
 * detail), what is on screen (a job's top and bottom lists, the compare view), a whole-layer
 * spritemap the user started, and the rest of a layer filled in the background.
 */
export const SPRITE_PRIORITIES = ['EXPLICIT', 'VISIBLE', 'LAYER', 'BACKGROUND'] as const;
export type SpritePriority = (typeof SPRITE_PRIORITIES)[number];
export const priorityRank = (p: SpritePriority) => SPRITE_PRIORITIES.indexOf(p);

interface Entry {
  rank: () => number;
  seq: number;
  start: () => void;
}

/**
 * One render at a time in the API process (every render shares the engine worker), the most
 * urgent waiting one next, first come first served within a priority. A waiter's rank is read
 * when the lane frees, so a queue whose most urgent item changed while it waited moves up.
 * (Attribution jobs are not in the lane: they never wait for it, and a render steps aside for
 * them between steps, workers/attribution-gate.ts.)
 */
export class RenderLane {
  private busy = false;
  private seq = 0;
  private readonly waiting: Entry[] = [];

  run<T>(rank: () => number, render: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        rank,
        seq: this.seq++,
        start: () => {
          render().then(resolve, reject).finally(() => {
            this.busy = false;
            this.next();
          });
        },
      });
      this.next();
    });
  }

  /** Renders waiting for the lane. */
  get queued() {
    return this.waiting.length;
  }

  private next() {
    if (this.busy || this.waiting.length === 0) return;
    this.waiting.sort((a, b) => a.rank() - b.rank() || a.seq - b.seq);
    const e = this.waiting.shift()!;
    this.busy = true;
    e.start();
  }
}
