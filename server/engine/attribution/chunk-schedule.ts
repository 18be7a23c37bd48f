import type { Quadrature } from './quadrature.js';
import type { AttributionRequest } from './types.js';

/**
 * The one place that decides where a run pauses for a snapshot: the step counts (prefix lengths
 * of the rule's evaluation order, ascending, ending at n) after which the estimator yields.
 * Every `chunkSteps` steps, and first after `firstChunkSteps` when set; a tolerance run also
 * pauses at every nested level, the only places where it may stop.
 */
export function chunkEnds(q: Quadrature, request: Pick<AttributionRequest, 'chunkSteps' | 'tolerance' | 'firstChunkSteps'>): number[] {
  const n = q.order.length;
  const ends = new Set<number>();
  if (request.firstChunkSteps && request.firstChunkSteps < n) ends.add(request.firstChunkSteps);
  for (let e = request.chunkSteps; e < n; e += request.chunkSteps) ends.add(e);
  if (request.tolerance != null) for (const l of q.levels) ends.add(l);
  ends.add(n);
  return [...ends].sort((a, b) => a - b);
}
