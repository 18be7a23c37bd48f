import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'graphql-yoga';

/**
 * `GET /spritemaps/<layer>.png` and `.json`: the latest composed spritemap of a layer and its
 * index, from DATA_DIR/spritemaps. Re-rendering replaces them, so clients revalidate.
 */
export function useSpritemapRoutes(root: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const m = /^\/spritemaps\/(mixed[0-9][a-z])\.(png|json)$/.exec(url.pathname);
      if (!m) return;
      const file = join(root, 'spritemaps', `${m[1]}.${m[2]}`);
      if (!existsSync(file)) return endResponse(new fetchAPI.Response('No spritemap for this layer yet: run renderSpritemap or npm run spritemaps.\n', { status: 404, headers: { 'content-type': 'text/plain' } }));
      const body = request.method === 'HEAD' ? null : readFileSync(file);
      return endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': m[2] === 'png' ? 'image/png' : 'application/json', 'cache-control': 'no-cache' } }));
    },
  };
}
