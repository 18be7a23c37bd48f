import type { Plugin } from 'graphql-yoga';
import { SPRITE_PROFILES, type SpriteProfile } from '../engine/feature-vis/profiles.js';
import { profileSprites } from './on-demand-sprites.js';
import type { SpriteStore } from './sprite-store.js';

/**
 * `GET /sprites/<layer>/<full|thumbnail>/<channel>.png`: one channel's sprite of a profile.
 * `GET /spritemaps/<layer>.png` and `.json`: the latest composed spritemap of a layer and its
 * index, from DATA_DIR/spritemaps. Re-rendering replaces them, so clients revalidate.
 */
export function useSpritemapRoutes(store: SpriteStore, profiles: readonly SpriteProfile[] = SPRITE_PROFILES): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const one = /^\/sprites\/(mixed[0-9][a-z])\/(full|thumbnail)\/(\d{1,4})\.png$/.exec(url.pathname);
      if (one) {
        const profile = profiles.find((p) => p.name === one[2])!;
        const file = store.readSprite(profileSprites(one[1], profile), Number(one[3]));
        if (!file)
          return endResponse(
            new fetchAPI.Response('No sprite for this channel in this profile yet: ask with requestSprites.\n', {
              status: 404,
              headers: { 'content-type': 'text/plain' },
            }),
          );
        // A sprite never changes once written (same settings, same seed): cacheable.
        return endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : file, {
            status: 200,
            headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' },
          }),
        );
      }
      const m = /^\/spritemaps\/(mixed[0-9][a-z])\.(png|json)$/.exec(url.pathname);
      if (!m) return;
      const file = store.readSpritemap({ layer: m[1] }, m[2] as 'png' | 'json');
      if (!file)
        return endResponse(
          new fetchAPI.Response('No spritemap for this layer yet: run renderSpritemap or npm run spritemaps.\n', {
            status: 404,
            headers: { 'content-type': 'text/plain' },
          }),
        );
      const body = request.method === 'HEAD' ? null : file;
      return endResponse(
        new fetchAPI.Response(body, {
          status: 200,
          headers: { 'content-type': m[2] === 'png' ? 'image/png' : 'application/json', 'cache-control': 'no-cache' },
        }),
      );
    },
  };
}
