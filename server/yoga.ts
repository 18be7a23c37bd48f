import { mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { ExecutionArgs } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context, ModelServices } from '../schema/context.js';
import type { Engine } from './engine/engine.js';
import { schema } from '../schema/index.js';
import { maskError } from './errors/mask-error.js';
import { MAX_REQUEST_BYTES } from './errors/request-errors.js';
import { useHttpRoutes } from './http-routes.js';
import { ImageLibrary } from './images/image-library.js';
import type { JobEvents } from './jobs/job-events.js';
import { JobService } from './jobs/job-service.js';
import type { JobStore } from './jobs/job-store.js';
import type { JobBackends } from './jobs/job-backends.js';
import { createInProcessJobBackends } from './jobs/in-process-job-backends.js';
import type { JobQueue } from './jobs/job-queue.js';
import { DEFAULT_JOB_LIMITS, type JobLimits } from './engine/attribution/job-budget.js';
import { openJobStore } from './jobs/sql/open-job-store.js';
import { BuildingBlocksService } from './building-blocks/building-blocks-service.js';
import { useSpritemapRoutes } from './spritemaps/spritemap-routes.js';
import { OnDemandSprites } from './spritemaps/on-demand-sprites.js';
import { RenderLane } from './scheduling/render-lane.js';
import { SpritemapService } from './spritemaps/spritemap-service.js';
import { modelFilesRoot, SpriteStore } from './spritemaps/sprite-store.js';
import { DatasetExamplesService } from './spritemaps/dataset-examples-service.js';
import { AdminGuard } from './models/admin-guard.js';
import { ModelCatalog, type ModelEngines } from './models/model-catalog.js';
import { ModelRegistry } from './models/model-registry.js';
import { MULTIPART_OVERHEAD_BYTES, useUploadLimits } from './models/upload-limits.js';
import { DEFAULT_MAX_QUEUED, MIN_CONCURRENCY } from './jobs/queue-defaults.js';

/** Yoga's envelop execute/subscribe, passed to graphql-ws through rootValue. */
type EnvelopedRoot = { execute: (args: ExecutionArgs) => any; subscribe: (args: ExecutionArgs) => any };

export const GRAPHQL_PATH = '/graphql';

/** Where models live and who may import them, when AppDeps.models does not say. */
export const DEFAULT_MODEL_LIMITS = { maxModelBytes: 1024 ** 3, maxModels: 20 };

export interface AppDeps {
  /** The engine pool: the built-in model's engine, and every other model's through it. */
  engine: ModelEngines;
  /**
   * MODELS_DIR (default DATA_DIR/models), MAX_MODEL_BYTES, MAX_MODELS, ADMIN_TOKEN, and the HOST the
   * server listens on (imports are refused beyond loopback without ADMIN_TOKEN; default loopback).
   */
  models?: { modelsDir?: string; maxModelBytes?: number; maxModels?: number; adminToken?: string | null; host?: string };
  /** Holds jobs.sqlite and uploaded images (DATA_DIR). */
  dataDir: string;
  /** Example images (../shared/images); null for none. */
  examplesDir: string | null;
  /** The built dashboard; null or missing for none. */
  clientDir?: string | null;
  maxQueued?: number;
  /** Jobs running at once (default MIN_CONCURRENCY). */
  concurrency?: number;
  /** Path steps per executor call when a request does not say (ENGINE_BATCH_SIZE). */
  batchSize?: number;
  /** Least time between two checkpoints of a running job (CHECKPOINT_INTERVAL_MS; 0: every chunk). */
  checkpointIntervalMs?: number;
  /** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS (default: their documented defaults). */
  jobLimits?: JobLimits;
  /** Yoga's logger: false for silent. */
  logging?: boolean | 'debug' | 'info' | 'warn' | 'error';
  /** Once a layer's sprites are asked for, render the rest of it in the background (SPRITES_BACKGROUND; default false). */
  spritesBackground?: boolean;
  /** Store, queue and events shared with other instances and workers (REDIS_URL, docs/scale-out.md); default: SQLite and in-process (createInProcessJobBackends). */
  jobBackends?: (images: ImageLibrary) => JobBackends;
}

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** Every model's engine, and imports and deletes. */
  models: ModelCatalog;
  /** Who may import and delete models; `refusal` says why nobody may, for the start-up log. */
  admin: AdminGuard;
  store: JobStore;
  queue: JobQueue;
  jobs: JobService;
  events: JobEvents & { subscriberCount(jobId?: string): number };
  /** Jobs the last run left QUEUED or RUNNING, queued again at start-up to resume from their checkpoints. */
  resumedAtStart: number;
  /** Serves graphql-ws on the GraphQL path of `server`. */
  attachWebSockets(server: Server): WebSocketServer;
  /**
   * Graceful shutdown of the jobs (SIGTERM): no new jobs (SHUTTING_DOWN), the queue stops after
   * the chunk in flight, then every progress stream (jobs, spritemaps, layer sprites) gets its
   * going-away event and ends. Resolves
   * once the streams have let go, or after `streamsMs`.
   */
  shutdown(streamsMs?: number): Promise<void>;
  /** Stops the queue (unfinished jobs stay in the store, to resume) and closes the store; the engine is the caller's. */
  close(): Promise<void>;
}

/** Builds the whole app: store, queue, events, schema and routes. `server/main.ts` only wires and listens. */
export async function createApp(deps: AppDeps): Promise<App> {
  mkdirSync(deps.dataDir, { recursive: true });
  const limits = { ...DEFAULT_MODEL_LIMITS, ...deps.models };
  const registry = new ModelRegistry({
    builtinDir: deps.engine.defaultModel.path,
    modelsDir: deps.models?.modelsDir ?? join(deps.dataDir, 'models'),
    maxModels: limits.maxModels,
    maxModelBytes: limits.maxModelBytes,
  });
  const models = new ModelCatalog(registry, deps.engine);
  const admin = new AdminGuard(deps.models?.adminToken ?? null, deps.models?.host ?? '127.0.0.1');
  const images = new ImageLibrary(deps.engine, { dataDir: deps.dataDir, examplesDir: deps.examplesDir });
  const backends =
    deps.jobBackends?.(images) ??
    createInProcessJobBackends({
      store: openJobStore({ databaseUrl: null }, deps.dataDir),
      models,
      backend: deps.engine.info.backend,
      pixels: (imageId, engine) => images.pixels(imageId, engine),
      maxQueued: deps.maxQueued ?? DEFAULT_MAX_QUEUED,
      concurrency: deps.concurrency ?? MIN_CONCURRENCY,
      checkpointIntervalMs: deps.checkpointIntervalMs,
      log: (message, error) => (error === undefined ? console.log(message) : console.error(message, error)),
    });
  const { store, queue, events, runner, execution } = backends;
  const jobs = new JobService({
    store,
    queue,
    events,
    models,
    images,
    runner,
    execution,
    batchSize: deps.batchSize,
    limits: deps.jobLimits,
  });
  const resumedAtStart = await backends.resumeUnfinished();
  // One render at a time, most urgent first: on-demand sprites, whole-layer spritemaps and group icons share the lane.
  const lane = new RenderLane();
  // Each model has its own sprites, spritemaps, dataset examples and building blocks (caches and
  // files never mix two models' channels); the built-in model's files stay where they always were.
  const perModel = new Map<string, ModelServices>();
  const servicesOf = (engine: Engine): ModelServices => {
    const found = perModel.get(engine.info.key);
    if (found) return found;
    const { builtin, id, key } = engine.info;
    const store = new SpriteStore(modelFilesRoot(deps.dataDir, engine.info));
    const urlPrefix = builtin ? '' : `/models/${encodeURIComponent(id)}`;
    const services: ModelServices = {
      engine,
      urlPrefix,
      spritemaps: new SpritemapService(engine, store, undefined, lane),
      sprites: new OnDemandSprites(engine, lane, store, { background: deps.spritesBackground ?? false, urlPrefix }),
      datasetExamples: new DatasetExamplesService(engine, images),
      buildingBlocks: new BuildingBlocksService(engine, { pixels: (imageId) => images.pixels(imageId, engine) }, lane),
    };
    perModel.set(key, services);
    return services;
  };
  const forModel = async (id?: string | null) => servicesOf(await models.engine(id));
  // A deleted model's renders stop and its sprite files go.
  models.onRemoved((ref) => {
    for (const [key, s] of perModel) {
      if (s.engine.info.id !== ref.id) continue;
      perModel.delete(key);
      s.spritemaps.close();
      s.sprites.close();
      s.buildingBlocks.close();
      const root = modelFilesRoot(deps.dataDir, s.engine.info);
      if (root !== deps.dataDir) rmSync(root, { recursive: true, force: true });
    }
  });
  const everyModel = () => [...perModel.values()];
  const started = Date.now();

  const context = (origin: string, signal?: AbortSignal, authorization?: string | null): Context => ({
    engine: deps.engine,
    models,
    admin,
    authorization: authorization ?? null,
    images,
    jobs,
    jobLimits: deps.jobLimits ?? DEFAULT_JOB_LIMITS,
    forModel,
    allModels: everyModel,
    origin,
    signal,
  });

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: {
      title: 'Channel attribution API',
      defaultTabs: [{ query: GRAPHIQL_QUERY, variables: GRAPHIQL_VARIABLES }],
      // GraphiQL sends a subscription as a GET (SSE), which the CSRF check below refuses without this header.
      additionalHeaders: { 'x-graphql-yoga-csrf': 'graphiql' },
    },
    // GraphiQL's script, styles and editor workers from the installed package, inlined in the page:
    // Yoga's default loads them from a public CDN, which a lab behind a firewall cannot reach.
    renderGraphiQL,
    landingPage: false,
    // Yoga's own health check answers any path ending in its endpoint; ours is /health with a body.
    healthCheckEndpoint: '/__yoga/health',
    maskedErrors: { maskError },
    // A model upload may be this large; useUploadLimits lets only an admin's multipart request past 15 MB.
    maxRequestBodySize: Math.max(MAX_REQUEST_BYTES, limits.maxModelBytes + MULTIPART_OVERHEAD_BYTES),
    logging: deps.logging ?? 'warn',
    // Over graphql-ws there is no fetch Request, only the HTTP upgrade request (`req`).
    context: (init) => {
      const upgrade = (init as { req?: IncomingMessage }).req;
      return init.request
        ? context(new URL(init.request.url).origin, init.request.signal, init.request.headers.get('authorization'))
        : context(`http://${upgrade?.headers.host ?? 'localhost'}`);
    },
    plugins: [
      // Requests a browser could send without a preflight (GET, multipart) must carry this header.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      useUploadLimits({ maxModelBytes: limits.maxModelBytes, admin, graphqlPath: GRAPHQL_PATH }),
      useSpritemapRoutes(async (id) => {
        const s = await forModel(id).catch(() => null);
        return s && { store: s.sprites.store, profiles: s.sprites.profiles };
      }),
      useHttpRoutes({
        images,
        clientDir: deps.clientDir ?? null,
        health: () => ({
          status: 'ok',
          model: deps.engine.info.name,
          backend: deps.engine.info.backend,
          queue: queue.stats(),
          subscribers: events.subscriberCount(),
          uptimeMs: Date.now() - started,
          ...backends.health(),
        }),
      }),
    ],
  });

  const attachWebSockets = (server: Server) => {
    const wss = new WebSocketServer({ server, path: GRAPHQL_PATH });
    // The graphql-ws recipe from Yoga's docs: operations run through Yoga's envelop, so masking,
    // complexity limits and the context are the same as over HTTP.
    useServer(
      {
        execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
        subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
        onSubscribe: async (ctx, _id, payload) => {
          const {
            schema: s,
            execute,
            subscribe,
            contextFactory,
            parse: p,
            validate: v,
          } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params: payload,
          });
          const args = {
            schema: s,
            operationName: payload.operationName,
            document: p(payload.query),
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
          const errors = v(args.schema, args.document);
          return errors.length ? errors : args;
        },
      },
      wss,
    );
    return wss;
  };

  return {
    yoga,
    models,
    admin,
    store,
    queue,
    jobs,
    events,
    resumedAtStart,
    attachWebSockets,
    shutdown: async (streamsMs = 2000) => {
      jobs.drain();
      // Renders live in this process only: their streams end at once (the renders stop in close()).
      for (const s of everyModel()) {
        s.spritemaps.endStreams();
        s.sprites.endStreams();
      }
      await queue.close();
      jobs.endStreams();
      const until = Date.now() + streamsMs;
      const open = () => jobs.openStreams + everyModel().reduce((n, s) => n + s.spritemaps.openStreams + s.sprites.openStreams, 0);
      while (open() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    },
    close: async () => {
      for (const s of everyModel()) {
        s.spritemaps.close();
        s.sprites.close();
        s.buildingBlocks.close();
      }
      await queue.close();
      await store.close();
      await backends.close();
    },
  };
}

/**
 * GraphiQL's opening tab: what the model is and which images it has, then a real job and its live
 * progress, each runnable as it stands (the subscription once its id variable is the job's).
 */
const GRAPHIQL_QUERY = `# Channel attribution, live. Run the operations in order (the run button asks which):
#  1. Model: the model, its layers and the example images with their top predictions.
#  2. StartJob: queues the notebook's example; copy the id it returns into the variables below.
#  3. Progress: the job's estimate after every chunk of steps, until done.
query Model {
  model { name backend layers { name channels } }
  examples { id name width height predictions(top: 3) { class { name } probability } }
}

mutation StartJob {
  startAttribution(
    input: { imageId: "example-dog_cat_composite", layer: "mixed4d", class1: "Labrador retriever", class2: "tiger cat", method: PATH, steps: 100 }
  ) { id status }
}

subscription Progress($id: ID!) {
  jobProgress(id: $id) {
    stepsDone stepsTotal completenessGap relativeError settled done
    top { channel value error }
    bottom { channel value error }
  }
}
`;
const GRAPHIQL_VARIABLES = `{ "id": "the id StartJob returned" }`;
