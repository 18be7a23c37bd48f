import { EngineError } from '../../errors/engine-error.js';

/** Images one job may attribute (MAX_IMAGES_PER_JOB). */
export const DEFAULT_MAX_IMAGES_PER_JOB = 256;
/**
 * Gradient steps one job may ask for, layers x images x steps (MAX_JOB_STEPS): 250,000 steps is
 * about 35 minutes at mixed4d on this project's 2-core machine (8 ms a step at batch 10), and
 * less at later layers. A tolerance job counts its maximum steps.
 */
export const DEFAULT_MAX_JOB_STEPS = 250_000;

export interface JobLimits {
  maxImages: number;
  maxSteps: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxImages: DEFAULT_MAX_IMAGES_PER_JOB, maxSteps: DEFAULT_MAX_JOB_STEPS };

/** Refuses a job past the limits, saying by how much (JOB_TOO_LARGE). */
export function checkJobBudget(shape: { layers: number; images: number; steps: number }, limits: JobLimits = DEFAULT_JOB_LIMITS) {
  if (shape.images > limits.maxImages) {
    throw new EngineError(
      'JOB_TOO_LARGE',
      `${shape.images} images are more than one job may attribute (MAX_IMAGES_PER_JOB = ${limits.maxImages}): split them over several jobs.`,
      { images: shape.images, maxImages: limits.maxImages },
    );
  }
  const total = shape.layers * shape.images * shape.steps;
  if (total > limits.maxSteps) {
    throw new EngineError(
      'JOB_TOO_LARGE',
      `${shape.layers} layer${shape.layers > 1 ? 's' : ''} x ${shape.images} image${shape.images > 1 ? 's' : ''} x ${shape.steps} steps = ` +
        `${total} gradient steps, more than one job may run (MAX_JOB_STEPS = ${limits.maxSteps}): use fewer steps, layers or images, ` +
        'or a tolerance with fewer maximum steps.',
      { steps: total, maxSteps: limits.maxSteps },
    );
  }
}
