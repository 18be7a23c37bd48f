import type { EnginePool } from './workers/pool.js';

/** The part of the engine the API uses: EnginePool, or anything with the same surface. */
export type Engine = Pick<EnginePool, 'info' | 'decodeImage' | 'predict' | 'run' | 'renderSprites' | 'composeSpritemap' | 'datasetExamples' | 'neuronGroups' | 'semanticDictionary' | 'classSpatialAttribution'>;
