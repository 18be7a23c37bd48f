import type { Plugin } from 'graphql-yoga';
import type { SpriteProfile } from '../engine/feature-vis/profiles.js';
import { profileSprites } from './on-demand-sprites.js';
import type { SpriteStore } from './sprite-store.js';

/** A layer name as it may appear in a file name: no separators, not starting with a dot (never a path out of the store). */
const SAFE_LAYER = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** A model's sprite files: where they are, and the profiles pictures are looked for in. */
export interface ModelSprites {
  store: SpriteStore;
  profiles: readonly SpriteProfile[];
}

/**
 * `GET /sprites/<layer>/<full|thumbnail>/<channel>.png`: one channel's sprite of a profile.
 * `GET /spritemaps/<layer>.png` and `.json`: the latest composed spritemap of a layer and its
 * index. Those are the built-in model's; an imported model's are the same paths under
 * `/models/<id>` (`sprites(null)` is the built-in model's files, `sprites(id)` another's, or
 * null for an unknown id). Re-rendering replaces spritemaps, so clients revalidate.
 */
export function useSpritemapRoutes(sprites: (modelId: string | null) => Promise<ModelSprites | null>): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const route = /^(?:\/models\/([^/]+))?\/(sprites|spritemaps)\/(.+)$/.exec(url.pathname);
      if (!route) return;
      const notFound = (text: string) =>
        endResponse(new fetchAPI.Response(`${text}\n`, { status: 404, headers: { 'content-type': 'text/plain' } }));
      let modelId: string | null;
      const rest = route[3];
      const layerOf = (raw: string) => {
        const layer = decodeURIComponent(raw);
        if (!SAFE_LAYER.test(layer)) throw new URIError(layer);
        return layer;
      };
      try {
        modelId = route[1] === undefined ? null : decodeURIComponent(route[1]);
      } catch {
        return notFound('Bad path.');
      }
      const files = await sprites(modelId);
      if (!files) return notFound(`No model "${modelId}".`);
      if (route[2] === 'sprites') {
        const one = /^([^/]+)\/(full|thumbnail)\/(\d{1,4})\.png$/.exec(rest);
        if (!one) return notFound('No such sprite path.');
        const profile = files.profiles.find((p) => p.name === one[2]);
        let layer: string;
        try {
          layer = layerOf(one[1]);
        } catch {
          return notFound('Bad layer name.');
        }
        const file = profile && files.store.readSprite(profileSprites(layer, profile), Number(one[3]));
        if (!file) return notFound('No sprite for this channel in this profile yet: ask with requestSprites.');
        // A sprite never changes once written (same settings, same seed): cacheable.
        return endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : file, {
            status: 200,
            headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' },
          }),
        );
      }
      const m = /^([^/]+)\.(png|json)$/.exec(rest);
      let file: Buffer<ArrayBuffer> | null = null;
      try {
        file = m && files.store.readSpritemap({ layer: layerOf(m[1]) }, m[2] as 'png' | 'json');
      } catch {
        return notFound('Bad layer name.');
      }
      if (!m || !file) return notFound('No spritemap for this layer yet: run renderSpritemap or npm run spritemaps.');
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
