import type { BuildingBlocksService } from '../server/building-blocks/building-blocks-service.js';
import type { Engine } from '../server/engine/engine.js';
import type { JobLimits } from '../server/engine/attribution/job-budget.js';
import type { AdminGuard } from '../server/models/admin-guard.js';
import type { ModelCatalog } from '../server/models/model-catalog.js';
import type { ImageLibrary } from '../server/images/image-library.js';
import type { JobService } from '../server/jobs/job-service.js';
import type { OnDemandSprites } from '../server/spritemaps/on-demand-sprites.js';
import type { SpritemapService } from '../server/spritemaps/spritemap-service.js';
import type { DatasetExamplesService } from '../server/spritemaps/dataset-examples-service.js';

/** What the API serves of one model beside its jobs: each model has its own, so no cache or file mixes two models' channels. */
export interface ModelServices {
  engine: Engine;
  /** Where the model's sprite files are served: empty for the built-in model, `/models/<id>` for an imported one. */
  urlPrefix: string;
  /** Whole-layer spritemap renders and the latest composed spritemaps. */
  spritemaps: SpritemapService;
  /** The example images that most activate a channel. */
  datasetExamples: DatasetExamplesService;
  /** Neuron groups, semantic dictionaries and spatial attribution of an image outside jobs. */
  buildingBlocks: BuildingBlocksService;
  /** Sprites on demand for the channels on screen (thumbnail profile, low priority). */
  sprites: OnDemandSprites;
}

/** What every resolver receives (built once per request in server/yoga.ts). */
export interface Context {
  /** The built-in model's engine. */
  engine: Engine;
  /** Every model's engine by id, and imports and deletes. */
  models: ModelCatalog;
  /** Who may import and delete models. */
  admin: AdminGuard;
  /** The request's Authorization header (for the admin token); null over graphql-ws. */
  authorization: string | null;
  images: ImageLibrary;
  jobs: JobService;
  /** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS. */
  jobLimits: JobLimits;
  /** A model's sprites, spritemaps, dataset examples and building blocks, by id (none: the built-in model's); UNKNOWN_MODEL lists the ids there are. */
  forModel(id?: string | null): Promise<ModelServices>;
  /** The services of every model this process has served since it started (spritemap renders are looked up by id among them). */
  allModels(): ModelServices[];
  /** Origin of the request, e.g. `http://localhost:4000`, for absolute URLs. */
  origin: string;
  /** Aborts when the client goes away: ends subscriptions. */
  signal?: AbortSignal;
}
