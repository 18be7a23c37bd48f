export { validateInput, MAX_STEPS, METHODS, RULES, DEFAULT_STEPS, DEFAULT_RULE, DEFAULT_BATCH_SIZE } from './validate.js';
export { quadrature, QUADRATURE_RULES } from './quadrature.js';
export { rankChannels, completenessGap } from './channel-ranking.js';
export { decodeState, encodeState, integratedGradient, type IntegrationState } from './integration-state.js';
export type { EstimatorOptions } from './incremental-estimator.js';
export { ALL_LAYERS, layerRequest, requestLayers, resolveLayers } from './layer-set.js';
export { attributeLayers, layerActivations, type LayerStep } from './multi-layer.js';
export type * from './types.js';
export { attribute, attributeAt, attributeOnce, pathFor } from './attribute.js';
