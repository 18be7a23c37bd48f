import { mkdirSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { ExecutionArgs } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context } from '../schema/context.js';
import { schema } from '../schema/index.js';
import type { Engine } from './engine/engine.js';
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
import { SpriteStore } from './spritemaps/sprite-store.js';
import { DatasetExamplesService } from './spritemaps/dataset-examples-service.js';

/** Yoga's envelop execute/subscribe, passed to graphql-ws through rootValue. */
type EnvelopedRoot = { execute: (args: ExecutionArgs) => any; subscribe: (args: ExecutionArgs) => any };

/** Waiting jobs allowed before QUEUE_FULL: a bound, so a flood of requests cannot grow memory without end. */
export const DEFAULT_MAX_QUEUED = 100;
export const GRAPHQL_PATH = '/graphql';
/**
 * Jobs running at once, when the pool has fewer workers: enough for compareMethods's three jobs
 * to stream side by side. A worker interleaves its runs between batches, at little cost against
 * running them one after the other (bench/concurrent-jobs.ts measures both).
 */
export const MIN_CONCURRENCY = 3;

export interface AppDeps {
  engine: Engine;
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
  /** Once a layer's sprites are asked for, render the rest of it in the background (SPRITES_BACKGROUND; default true). */
  spritesBackground?: boolean;
  /** Store, queue and events shared with other instances and workers (REDIS_URL, docs/scale-out.md); default: SQLite and in-process (createInProcessJobBackends). */
  jobBackends?: (images: ImageLibrary) => JobBackends;
}

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
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
  const images = new ImageLibrary(deps.engine, { dataDir: deps.dataDir, examplesDir: deps.examplesDir });
  const backends =
    deps.jobBackends?.(images) ??
    createInProcessJobBackends({
      store: openJobStore({ databaseUrl: null }, deps.dataDir),
      engine: deps.engine,
      pixels: (imageId) => images.pixels(imageId),
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
    engine: deps.engine,
    images,
    runner,
    execution,
    batchSize: deps.batchSize,
    limits: deps.jobLimits,
  });
  const resumedAtStart = await backends.resumeUnfinished();
  // One render at a time, most urgent first: on-demand sprites, whole-layer spritemaps and group icons share the lane.
  const lane = new RenderLane();
  const spriteStore = new SpriteStore(deps.dataDir);
  const spritemaps = new SpritemapService(deps.engine, spriteStore, undefined, lane);
  const sprites = new OnDemandSprites(deps.engine, lane, spriteStore, { background: deps.spritesBackground ?? true });
  const datasetExamples = new DatasetExamplesService(deps.engine, images);
  const buildingBlocks = new BuildingBlocksService(deps.engine, images, lane);
  const started = Date.now();

  const context = (origin: string, signal?: AbortSignal): Context => ({
    engine: deps.engine,
    images,
    jobs,
    spritemaps,
    datasetExamples,
    buildingBlocks,
    sprites,
    jobLimits: deps.jobLimits ?? DEFAULT_JOB_LIMITS,
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
    maxRequestBodySize: MAX_REQUEST_BYTES,
    logging: deps.logging ?? 'warn',
    // Over graphql-ws there is no fetch Request, only the HTTP upgrade request (`req`).
    context: (init) => {
      const upgrade = (init as { req?: IncomingMessage }).req;
      return init.request
        ? context(new URL(init.request.url).origin, init.request.signal)
        : context(`http://${upgrade?.headers.host ?? 'localhost'}`);
    },
    plugins: [
      // Requests a browser could send without a preflight (GET, multipart) must carry this header.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      useSpritemapRoutes(spriteStore, sprites.profiles),
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
    store,
    queue,
    jobs,
    events,
    resumedAtStart,
    attachWebSockets,
    shutdown: async (streamsMs = 2000) => {
      jobs.drain();
      // Renders live in this process only: their streams end at once (the renders stop in close()).
      spritemaps.endStreams();
      sprites.endStreams();
      await queue.close();
      jobs.endStreams();
      const until = Date.now() + streamsMs;
      const open = () => jobs.openStreams + spritemaps.openStreams + sprites.openStreams;
      while (open() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    },
    close: async () => {
      spritemaps.close();
      sprites.close();
      buildingBlocks.close();
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
