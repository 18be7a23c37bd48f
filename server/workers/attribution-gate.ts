/**
 * How many attribution requests (runs and their graph preparation) the pool has in flight, in
 * shared memory that every worker sees. Renders are low priority: a render waits between two
 * steps while the count is above zero, so an attribution job waits for at most the one render
 * step already running (test/server/spritemaps/on-demand-sprites.test.ts checks it,
 * bench/snapshot-rate-while-rendering.ts measures the job's pace). On a 2-core machine ONNX Runtime
 * gives each job both cores; a render running beside it would take half.
 */
/** Node has had Atomics.waitAsync since 16; TypeScript types it only from lib es2024. */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class AttributionGate {
  private readonly count: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.count = new Int32Array(buffer);
  }

  enter() {
    Atomics.add(this.count, 0, 1);
  }

  leave() {
    Atomics.sub(this.count, 0, 1);
    Atomics.notify(this.count, 0);
  }

  get busy() {
    return Atomics.load(this.count, 0) > 0;
  }

  /** Resolves once no attribution is in flight (at once if none is), or when `signal` aborts. */
  async idle(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const v = Atomics.load(this.count, 0);
      if (v <= 0 || signal?.aborted) return;
      // Woken by leave(); the timeout re-checks the signal.
      const w = waitAsync(this.count, 0, v, 250);
      if (w.async) await w.value;
    }
  }
}
