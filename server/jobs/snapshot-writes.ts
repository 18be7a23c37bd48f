import type { Snapshot } from '../engine/attribution/types.js';
import type { JobCheckpoint } from './job-record.js';

type Write = (snapshot: Snapshot, checkpoint?: JobCheckpoint) => Promise<void>;

/**
 * A running job's snapshot writes, in order, one per turn of the event loop. A worker's messages
 * reach the main thread in batches (all that queued while it was busy), and SQLite writes are
 * synchronous: written as they came, a fast job's backlog of snapshots with MB checkpoints held
 * the loop for seconds (2.7 s measured, mixed5b at 4 steps a chunk), so requests, subscriptions
 * and even SIGTERM waited until the job had finished. Here every snapshot is still written (the
 * history keeps them all), but a checkpoint still waiting when a newer one arrives is dropped:
 * only the newest is needed to resume, and it is the expensive part.
 */
export class SnapshotWrites {
  private readonly waiting: { snapshot: Snapshot; checkpoint?: JobCheckpoint }[] = [];
  private drained: Promise<void> = Promise.resolve();
  private busy = false;
  private error: { cause: unknown } | null = null;

  constructor(private readonly write: Write) {}

  push(snapshot: Snapshot, checkpoint?: JobCheckpoint) {
    if (this.error) return;
    if (checkpoint) for (const w of this.waiting) delete w.checkpoint;
    this.waiting.push(checkpoint ? { snapshot, checkpoint } : { snapshot });
    if (this.busy) return;
    this.busy = true;
    this.drained = this.drain();
  }

  /** Resolves once everything pushed is stored; rejects with the first failed write's error (later ones are not tried). */
  async settled(): Promise<void> {
    await this.drained;
    if (this.error) throw this.error.cause;
  }

  private async drain() {
    try {
      while (this.waiting.length) {
        // Let I/O in between two writes.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const next = this.waiting.shift()!;
        await this.write(next.snapshot, next.checkpoint);
      }
    } catch (cause) {
      this.error = { cause };
      this.waiting.length = 0;
    } finally {
      this.busy = false;
    }
  }
}
