/** The kill-in-a-loop test's workload, shared by the writer and the test's own uninterrupted sums. */
export const CRASH_JOBS = 4;
export const CRASH_STEPS = 60;
/** Doubles in each job's running sum: 160 kB a checkpoint, so that kills land inside writes too. */
export const CRASH_SIZE = 20_000;

/** Step `step`'s contribution to element `i` of job `id`: not round numbers, so any lost or repeated step shows. */
export function crashContribution(id: string, step: number, i: number): number {
  const j = Number(id.slice(id.indexOf('-') + 1));
  return Math.sin(1 + j * 7.1 + step * 0.37 + i * 1e-3) / (1 + step);
}

/** The sums of an uninterrupted run, in the same order. */
export function uninterruptedSums(id: string): Float64Array {
  const sums = new Float64Array(CRASH_SIZE);
  for (let step = 0; step < CRASH_STEPS; step++) for (let i = 0; i < CRASH_SIZE; i++) sums[i] += crashContribution(id, step, i);
  return sums;
}
