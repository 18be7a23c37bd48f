import { createSignal, onCleanup } from 'solid-js';

/** The dashboard's few pages. Every job has its own URL so a link reopens it. */
export type Route = { page: 'new' } | { page: 'job'; jobId: string } | { page: 'compare'; jobIds: string[] } | { page: 'history' };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'jobs' && parts[1]) return { page: 'job', jobId: parts[1] };
  if (parts[0] === 'compare' && parts[1]) return { page: 'compare', jobIds: parts[1].split(',').filter(Boolean) };
  if (parts[0] === 'history') return { page: 'history' };
  return { page: 'new' };
}

export function routePath(route: Route): string {
  switch (route.page) {
    case 'job':
      return `/jobs/${encodeURIComponent(route.jobId)}`;
    case 'compare':
      return `/compare/${route.jobIds.map(encodeURIComponent).join(',')}`;
    case 'history':
      return '/history';
    default:
      return '/';
  }
}

/** History-API routing: the server answers every dashboard path with index.html. */
export function createRouter() {
  const [route, setRoute] = createSignal<Route>(parseRoute(window.location.pathname));
  const onPop = () => setRoute(parseRoute(window.location.pathname));
  window.addEventListener('popstate', onPop);
  onCleanup(() => window.removeEventListener('popstate', onPop));
  const navigate = (next: Route) => {
    const path = routePath(next);
    if (path !== window.location.pathname) window.history.pushState(null, '', path);
    setRoute(next);
  };
  return { route, navigate };
}
