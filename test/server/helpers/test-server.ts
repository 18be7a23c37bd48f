import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { EnginePool } from '../../../server/workers/pool.js';
import { MODEL_DIR } from '../../helpers/fixtures.js';
import { createApp, type App, type AppDeps } from '../../../server/yoga.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHARED_IMAGES = join(REPO_ROOT, '..', 'shared', 'images');

export interface TestServer {
  app: App;
  server: Server;
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  wsUrl: string;
  origin: string;
  dataDir: string;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** The real app on a free port, with its own data folder. */
export async function startTestServer(engine: AppDeps['engine'], deps: Partial<AppDeps> = {}): Promise<TestServer> {
  const dataDir = deps.dataDir ?? mkdtempSync(join(tmpdir(), 'api-test-'));
  const app = await createApp({ engine, dataDir, examplesDir: SHARED_IMAGES, logging: false, ...deps });
  const server = createServer(app.yoga);
  // Tests run oracles (tfjs wasm) on this same thread: a keep-alive timeout that fires right after
  // such a blocking stretch closes a socket the next fetch has just picked (ECONNRESET). close()
  // ends every connection itself, so idle ones need no timeout.
  server.keepAliveTimeout = 0;
  const wss = app.attachWebSockets(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    server,
    origin,
    url: `${origin}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    dataDir,
    close: async (opts) => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      await app.close();
      if (!opts?.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One worker pool and one server for a whole test file, started before its tests and closed after. */
export function sharedTestServer(deps: Partial<AppDeps> = {}): { readonly pool: EnginePool; readonly srv: TestServer } {
  const live = {} as { pool: EnginePool; srv: TestServer };
  beforeAll(async () => {
    live.pool = await EnginePool.start();
    live.srv = await startTestServer(live.pool, deps);
  });
  afterAll(async () => {
    await live.srv?.close();
    await live.pool?.close();
  });
  return live;
}

/** One ONNX worker pool for a test file, and temporary folders (`freshRoot`) removed after it. */
export function sharedPoolWithRoots(prefix: string): { readonly pool: EnginePool; freshRoot(): string } {
  const live = {} as { pool: EnginePool };
  const roots: string[] = [];
  beforeAll(async () => {
    live.pool = await EnginePool.start({ size: 1, backend: 'onnx', modelDir: MODEL_DIR });
  });
  afterAll(async () => {
    await live.pool?.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  return {
    get pool() {
      return live.pool;
    },
    freshRoot: () => {
      const r = mkdtempSync(join(tmpdir(), prefix));
      roots.push(r);
      return r;
    },
  };
}
