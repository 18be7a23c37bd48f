import { describe, expect, it } from 'vitest';
import { parseRoute, type Route, routePath } from '../../../client/src/store/router';

describe('router: every job has a URL', () => {
  it('round-trips each page through its path', () => {
    const routes: Route[] = [
      { page: 'new' },
      { page: 'history' },
      { page: 'job', jobId: 'a1b2' },
      { page: 'compare', jobIds: ['a', 'b', 'c'] },
    ];
    for (const r of routes) {
      expect(parseRoute(routePath(r))).toEqual(r);
    }
  });
  it('reads /jobs/:id and falls back to a new job for anything else', () => {
    expect(parseRoute('/jobs/d3d9df01-8181')).toEqual({ page: 'job', jobId: 'd3d9df01-8181' });
    expect(parseRoute('/nowhere')).toEqual({ page: 'new' });
  });
});
