import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const clientRoot = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev` finds the API (server/main.ts listens on PORT, default 4000). */
const API_ORIGIN = process.env.API_ORIGIN ?? 'http://localhost:4000';

export default defineConfig({
  root: clientRoot,
  plugins: [solid()],
  server: {
    proxy: {
      // One path carries HTTP queries, SSE and graphql-ws: `ws: true` upgrades the socket too.
      '/graphql': { target: API_ORIGIN, ws: true, changeOrigin: true },
      '/images': { target: API_ORIGIN, changeOrigin: true },
      '/spritemaps': { target: API_ORIGIN, changeOrigin: true },
      '/sprites': { target: API_ORIGIN, changeOrigin: true },
      '/health': { target: API_ORIGIN, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
