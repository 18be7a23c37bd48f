import type { BuildingBlocksService } from '../server/building-blocks/building-blocks-service.js';
import type { Engine } from '../server/engine/engine.js';
import type { JobLimits } from '../server/engine/attribution/job-budget.js';
import type { ImageLibrary } from '../server/images/image-library.js';
import type { JobService } from '../server/jobs/job-service.js';
import type { OnDemandSprites } from '../server/spritemaps/on-demand-sprites.js';
import type { SpritemapService } from '../server/spritemaps/spritemap-service.js';
import type { DatasetExamplesService } from '../server/spritemaps/dataset-examples-service.js';

/** What every resolver receives (built once per request in server/yoga.ts). */
export interface Context {
  engine: Engine;
  images: ImageLibrary;
  jobs: JobService;
  /** Whole-layer spritemap renders and the latest composed spritemaps. */
  spritemaps: SpritemapService;
  /** The example images that most activate a channel. */
  datasetExamples: DatasetExamplesService;
  /** Neuron groups, semantic dictionaries and spatial attribution of an image outside jobs. */
  buildingBlocks: BuildingBlocksService;
  /** Sprites on demand for the channels on screen (thumbnail profile, low priority). */
  sprites: OnDemandSprites;
  /** MAX_IMAGES_PER_JOB and MAX_JOB_STEPS. */
  jobLimits: JobLimits;
  /** Origin of the request, e.g. `http://localhost:4000`, for absolute URLs. */
  origin: string;
  /** Aborts when the client goes away: ends subscriptions. */
  signal?: AbortSignal;
}
