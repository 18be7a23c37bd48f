import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../server/engine/attribution/types.js';
import type { JobCheckpoint } from '../../../server/jobs/job-record.js';
import { SnapshotWrites } from '../../../server/jobs/snapshot-writes.js';

const snap = (stepsDone: number) => ({ stepsDone }) as Snapshot;
const cp = (stepsDone: number): JobCheckpoint => ({ stepsDone, backend: 'test', data: new Uint8Array([stepsDone]) });

describe('SnapshotWrites', () => {
  it('writes every snapshot in order, keeps only the newest waiting checkpoint, and yields to the event loop between writes', async () => {
    const log: string[] = [];
    const writes = new SnapshotWrites(async (s, c) => {
      log.push(`write ${s.stepsDone}${c ? ` with checkpoint ${c.stepsDone}` : ''}`);
      // Something else the event loop has to do (a request, say), due as this write ends.
      if (s.stepsDone === 1) setImmediate(() => log.push('other work'));
    });
    // A batch of worker messages handled in one go: nothing may be written until it yields.
    writes.push(snap(1), cp(1));
    writes.push(snap(2));
    writes.push(snap(3), cp(3));
    writes.push(snap(4));
    expect(log).toEqual([]);
    await writes.settled();
    // The other work ran between two writes: a backlog does not hold the event loop.
    expect(log).toEqual(['write 1', 'other work', 'write 2', 'write 3 with checkpoint 3', 'write 4']);
  });

  it('a checkpoint being written is not dropped; a failed write stops the rest and settled() rejects with it', async () => {
    const written: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writes = new SnapshotWrites(async (s, c) => {
      if (s.stepsDone === 1) await gate;
      if (s.stepsDone === 3) throw new Error('disk full');
      written.push(c?.stepsDone ?? -s.stepsDone);
    });
    writes.push(snap(1), cp(1));
    await new Promise((r) => setImmediate(r));
    // Arrives while the first is being written: that write keeps its checkpoint.
    writes.push(snap(2), cp(2));
    writes.push(snap(3));
    writes.push(snap(4), cp(4));
    release();
    await expect(writes.settled()).rejects.toThrow('disk full');
    expect(written).toEqual([1, -2]);
    writes.push(snap(5));
    await expect(writes.settled()).rejects.toThrow('disk full');
    expect(written).toEqual([1, -2]);
  });
});
