import { decodeState, encodeState, type IntegrationState, type Snapshot } from '../engine/attribution/index.js';
import { EngineError } from '../errors/engine-error.js';

/**
 * Decides which chunks' integration states a run sends back as checkpoints: the
 * first chunk's, then one at least `intervalMs` after the last sent, and always one once the run
 * is being stopped, so a shutdown loses no finished chunk. A state is a few MB at most (the
 * gradient sums, plus one row of channel values per step done), so pacing keeps small chunks
 * from spending their time encoding and storing it.
 */
export class CheckpointPacer {
  private lastSentMs = -Infinity;
  private offered: IntegrationState | null = null;
  private held: { state: IntegrationState; snapshot: Snapshot } | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly stopping: AbortSignal,
    private readonly now = () => performance.now(),
  ) {}

  /** The estimator's state after a chunk, before that chunk's snapshot. */
  offer(state: IntegrationState) {
    this.offered = state;
  }

  /** The checkpoint to send beside `snapshot` (encoded), or undefined when none is due. */
  take(snapshot: Snapshot): Uint8Array | undefined {
    const state = this.offered;
    this.offered = null;
    // The last snapshot needs none: the job finishes with it.
    if (!state || snapshot.done) return undefined;
    if (this.stopping.aborted || this.now() - this.lastSentMs >= this.intervalMs) {
      this.lastSentMs = this.now();
      this.held = null;
      return encodeState(state);
    }
    this.held = { state, snapshot };
    return undefined;
  }

  /** When the run stops: the latest chunk's snapshot and checkpoint, if that checkpoint was not sent. */
  unsent(): { snapshot: Snapshot; checkpoint: Uint8Array } | null {
    const held = this.held;
    this.held = null;
    return held && { snapshot: held.snapshot, checkpoint: encodeState(held.state) };
  }
}

/** A stored checkpoint's bytes as a state, or BAD_CHECKPOINT saying why they cannot be read. */
export function readCheckpoint(bytes: Uint8Array): IntegrationState {
  try {
    const state = decodeState(bytes);
    if (state.version !== 1) throw new Error(`format version ${String(state.version)}, this server reads 1`);
    return state;
  } catch (e) {
    throw new EngineError('BAD_CHECKPOINT', `The checkpoint cannot be read (${(e as Error).message}).`);
  }
}
