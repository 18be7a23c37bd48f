import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the background thread copies the WAL into the database file. SQLite's automatic
 * checkpoint runs inside the commit that crosses 1000 pages, on the event loop: with MB
 * checkpoints of running jobs that was every few commits, up to 160 ms each (it copies ~4 MB and
 * fsyncs the file; bench/sqlite-checkpoints.ts, figures in docs/api.md "What survives what").
 */
export const WAL_CHECKPOINT_INTERVAL_MS = 1000;

// Plain CommonJS run as an eval'd worker: no build step, the same in source and dist runs.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 10000 });
// PASSIVE: copies what no reader still needs and never blocks the writer.
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    if (r && r.log > 0) parentPort.postMessage('copied');
  } catch {}
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints of one SQLite file on a thread of their own, so that the event loop's commits
 * stay the size of what they write. The caller turns its connection's automatic checkpoints off
 * while this runs, and back on if the thread dies (`onExit`), so the WAL can never grow unbounded.
 * After each copy `onCopied` runs on the caller's thread: its own PASSIVE checkpoint there copies
 * only the few frames committed meanwhile, so the WAL is wholly copied between two of its commits
 * and the next one starts the WAL file over. (A writer that commits while every checkpoint runs
 * never restarts it: measured here, the WAL grew by every byte written.)
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, hooks: { onCopied: () => void; onExit: () => void }, intervalMs = WAL_CHECKPOINT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
    // A checkpointer must never keep a process alive that is otherwise done.
    this.worker.unref();
    this.worker.on('error', () => undefined);
    this.worker.on('message', hooks.onCopied);
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(hooks.onExit);
  }

  /** A last checkpoint, then the thread ends. */
  async close(): Promise<void> {
    // Held by the thread until it has ended, or a process with nothing else to do exits first.
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
