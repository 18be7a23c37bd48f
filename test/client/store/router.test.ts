import { describe, expect, it } from 'vitest';
import { parseRoute, routePath } from '../../../client/src/store/router';

describe('router: every job has a URL', () => {
  it('round-trips each page through its path', () => {
    for (const r of [{ page: 'new' }, { page: 'history' }, { page: 'job', jobId: 'a1b2' }, { page: 'compare', jobIds: ['a', 'b', 'c'] }] as const) {
      expect(parseRoute(routePath(r))).toEqual(r);
    }
  });
  it('reads /jobs/:id and falls back to a new job for anything else', () => {
    expect(parseRoute('/jobs/d3d9df01-8181')).toEqual({ page: 'job', jobId: 'd3d9df01-8181' });
    expect(parseRoute('/nowhere')).toEqual({ page: 'new' });
  });
});
