/** Codes shared by the CLI, the worker protocol and the GraphQL error table. */
export type EngineErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_CORRUPT'
  /** An imported model (ONNX file or folder) that cannot be read, is unsafe, or is not an image classifier this engine can differentiate. */
  | 'BAD_MODEL'
  | 'BAD_IMAGE'
  | 'UNKNOWN_LAYER'
  | 'UNKNOWN_CLASS'
  | 'BAD_STEPS'
  | 'BAD_ARGUMENT'
  /** More images than MAX_IMAGES_PER_JOB, or layers x images x steps past MAX_JOB_STEPS. */
  | 'JOB_TOO_LARGE'
  /** Images of a batch that cannot be attributed (details.images lists them by name); nothing started. */
  | 'BAD_IMAGES'
  /** A model id that names no model (details: `valid`, the ids there are). */
  | 'UNKNOWN_MODEL'
  | 'BACKEND_UNAVAILABLE'
  /** A stored checkpoint cannot resume this request (unreadable, another request's, or already complete). */
  | 'BAD_CHECKPOINT'
  | 'CANCELLED';

/**
 * An error whose message is meant for the user as it stands: one sentence saying what was
 * wrong and what to do. It crosses the worker boundary as `{ code, message }`.
 */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }

  static fromJSON(o: { code: EngineErrorCode; message: string; details?: Record<string, unknown> }) {
    return new EngineError(o.code, o.message, o.details ?? {});
  }
}

export const isEngineError = (e: unknown): e is EngineError => e instanceof EngineError;
