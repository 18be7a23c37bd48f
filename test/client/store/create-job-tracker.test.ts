import { describe, expect, it } from 'vitest';
import { addSnapshot, type ProgressSnapshot } from '../../../client/src/store/create-job-tracker';

const snap = (stepsDone: number, over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  status: 'RUNNING',
  error: null,
  stepsDone,
  stepsTotal: 100,
  values: [stepsDone / 100, -stepsDone / 200],
  completenessGap: 1 / (stepsDone + 1),
  errors: [0.01, 0.01],
  relativeError: 1 / stepsDone,
  settled: stepsDone >= 50,
  rankStability: 0.5,
  channelMaps: null,
  elapsedMs: stepsDone * 10,
  etaMs: (100 - stepsDone) * 10,
  done: false,
  top: [],
  bottom: [],
  groups: null,
  layers: [],
  images: null,
  job: { id: 'job-1' },
  ...over,
});

describe('addSnapshot: the run history a job view plots', () => {
  it('appends one point per snapshot, in order', () => {
    let p = addSnapshot(undefined, snap(10));
    p = addSnapshot(p, snap(20));
    p = addSnapshot(p, snap(30));
    expect(p.history.map((h) => h.stepsDone)).toEqual([10, 20, 30]);
    expect(p.latest.stepsDone).toBe(30);
  });

  it("drops urql's re-emitted last event and a reconnect's repeat of the latest snapshot", () => {
    let p = addSnapshot(undefined, snap(10));
    p = addSnapshot(p, snap(100, { done: true, status: 'SUCCEEDED' }));
    const again = addSnapshot(p, snap(100, { done: true, status: 'SUCCEEDED' }));
    expect(again).toBe(p);
    expect(again.history).toHaveLength(2);
  });

  it('takes status-only events (no values) for their status without adding a point', () => {
    let p = addSnapshot(undefined, snap(0, { status: 'QUEUED', values: [] }));
    expect(p.history).toHaveLength(0);
    expect(p.estimate).toBeUndefined();
    p = addSnapshot(p, snap(10));
    p = addSnapshot(p, snap(10, { status: 'CANCELLED', values: [], done: true }));
    expect(p.latest.status).toBe('CANCELLED');
    expect(p.estimate?.stepsDone).toBe(10);
    expect(p.history).toHaveLength(1);
  });

  it('starts a fresh history when the job changes', () => {
    const p = addSnapshot(addSnapshot(undefined, snap(10)), snap(5, { job: { id: 'job-2' } }));
    expect(p.jobId).toBe('job-2');
    expect(p.history.map((h) => h.stepsDone)).toEqual([5]);
  });
});
