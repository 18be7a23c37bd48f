/** Why a model import or delete was refused, beyond what the model's own checks say (those are BAD_MODEL). */
export type ModelErrorCode =
  /** The upload is over MAX_MODEL_BYTES: answered with HTTP 413. */
  | 'MODEL_TOO_LARGE'
  /** MAX_MODELS models are already imported. */
  | 'TOO_MANY_MODELS'
  /** The id is taken by another model. */
  | 'MODEL_EXISTS'
  /** A job on the model is queued or running, or the model is the built-in one. */
  | 'MODEL_IN_USE';

const HTTP_STATUS: Partial<Record<ModelErrorCode, number>> = { MODEL_TOO_LARGE: 413 };

/** A refused import or delete; maps to its own code, with the limit or the conflict in `details`. */
export class ModelError extends Error {
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }

  get httpStatus(): number | undefined {
    return HTTP_STATUS[this.code];
  }
}
