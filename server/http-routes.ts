import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import type { ImageLibrary } from './images/image-library.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface RouteDeps {
  images: ImageLibrary;
  /** The built dashboard (client/dist); null or missing: `/` explains where the API is. */
  clientDir: string | null;
  /** Body of `/health`. */
  health: () => Record<string, unknown>;
}

/**
 * Everything on the port that is not GraphQL: `/health`, `/images/:id`, and the dashboard with a
 * fallback to its index.html for client-side routes such as `/jobs/:id`.
 */
export function useHttpRoutes(deps: RouteDeps): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        return endResponse(new fetchAPI.Response('Bad path.\n', { status: 400 }));
      }
      if (path === '/graphql' || path.startsWith('/graphql/')) return;
      const respond = (body: string | Uint8Array | null, status: number, headers: Record<string, string>) =>
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : (body as BodyInit | null), { status, headers }));

      if (path === '/health') {
        // 503 while a shared service (Redis) is away, so a load balancer can route around it.
        const health = deps.health();
        return respond(JSON.stringify(health), health.status === 'ok' ? 200 : 503, {
          'content-type': 'application/json',
          'cache-control': 'no-store',
        });
      }
      const image = /^\/images\/([^/]+)$/.exec(path);
      if (image) {
        const file = deps.images.bytes(image[1]);
        if (!file) return respond('No such image.\n', 404, { 'content-type': 'text/plain' });
        // Ids name fixed bytes (uploads are content hashes, examples are read-only).
        return respond(file.bytes, 200, { 'content-type': file.mime, 'cache-control': 'public, max-age=31536000, immutable' });
      }
      const dir = deps.clientDir && existsSync(join(deps.clientDir, 'index.html')) ? resolve(deps.clientDir) : null;
      if (!dir) {
        if (path === '/') {
          return respond(
            '<!doctype html><title>Channel attribution API</title><p>The dashboard is not built (npm run build). ' +
              'The GraphQL API and GraphiQL are at <a href="/graphql">/graphql</a>.</p>',
            200,
            { 'content-type': 'text/html; charset=utf-8' },
          );
        }
        return;
      }
      const file = resolve(dir, '.' + path);
      if (file.startsWith(dir + sep) && existsSync(file) && statSync(file).isFile()) {
        const immutable = file.startsWith(join(dir, 'assets') + sep);
        return respond(readFileSync(file), 200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
      // Client-side routes (no file extension) get the app; missing assets get a 404.
      if (!extname(path)) {
        return respond(readFileSync(join(dir, 'index.html')), 200, { 'content-type': MIME['.html'], 'cache-control': 'no-cache' });
      }
    },
  };
}
