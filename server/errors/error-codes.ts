import { AdminError } from './admin-error.js';
import { EngineError, type EngineErrorCode } from './engine-error.js';
import { ModelError } from './model-error.js';
import { NotFoundError } from './not-found-error.js';
import { QueryTooComplexError } from './query-too-complex-error.js';
import { QueueFullError } from './queue-full-error.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import { ShuttingDownError } from './shutting-down-error.js';

/** An error as a client sees it: `extensions.code`, a message meant for people, and details. */
export interface PublicError {
  code: string;
  message: string;
  details: Record<string, unknown>;
  /** The HTTP status the response carries, where it is not 200 (413 for a model over MAX_MODEL_BYTES, 401/403 for admin). */
  httpStatus?: number;
}

/**
 * The one table from error classes to GraphQL `extensions.code` (docs/api.md, "Errors").
 * Engine codes that describe the server's own setup (a missing model, a backend that cannot load)
 * are not the client's business: they are masked like any unexpected error.
 */
const ENGINE_CODES: Partial<Record<EngineErrorCode, string>> = {
  BAD_IMAGE: 'BAD_IMAGE',
  UNKNOWN_LAYER: 'UNKNOWN_LAYER',
  UNKNOWN_CLASS: 'UNKNOWN_CLASS',
  BAD_STEPS: 'BAD_STEPS',
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  JOB_TOO_LARGE: 'JOB_TOO_LARGE',
  BAD_IMAGES: 'BAD_IMAGES',
  UNKNOWN_MODEL: 'UNKNOWN_MODEL',
  BAD_MODEL: 'BAD_MODEL',
  CANCELLED: 'CANCELLED',
};

const CLASS_CODES: [new (...args: never[]) => Error, string][] = [
  [NotFoundError, 'NOT_FOUND'],
  [QueueFullError, 'QUEUE_FULL'],
  [QueueUnavailableError, 'QUEUE_UNAVAILABLE'],
  [QueryTooComplexError, 'QUERY_TOO_COMPLEX'],
  [ShuttingDownError, 'SHUTTING_DOWN'],
];

/** Error classes that carry their own code (and HTTP status). */
const MODEL_CODES = ['MODEL_TOO_LARGE', 'TOO_MANY_MODELS', 'MODEL_EXISTS', 'MODEL_IN_USE'] as const;
const ADMIN_CODES = ['UNAUTHENTICATED', 'FORBIDDEN'] as const;

/** Every code a client can receive, for documentation and tests. */
export const PUBLIC_ERROR_CODES = [
  ...new Set([...Object.values(ENGINE_CODES), ...CLASS_CODES.map(([, c]) => c), ...MODEL_CODES, ...ADMIN_CODES]),
];

/** Code used for masked errors, and for jobs that failed for a reason the client cannot act on. */
export const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';

/** The public form of a known error; null for anything unexpected (which must be masked). */
export function publicError(error: unknown): PublicError | null {
  if (error instanceof EngineError) {
    const code = ENGINE_CODES[error.code];
    return code ? { code, message: error.message, details: error.details } : null;
  }
  if (error instanceof ModelError)
    return { code: error.code, message: error.message, details: error.details, httpStatus: error.httpStatus };
  if (error instanceof AdminError) return { code: error.code, message: error.message, details: {}, httpStatus: error.httpStatus };
  for (const [cls, code] of CLASS_CODES) {
    if (error instanceof cls) return { code, message: error.message, details: detailsOf(error) };
  }
  return null;
}

function detailsOf(error: Error): Record<string, unknown> {
  if (error instanceof NotFoundError) return { kind: error.kind, id: error.id };
  if (error instanceof QueueFullError) return { maxQueued: error.maxQueued };
  if (error instanceof QueryTooComplexError) return { kind: error.kind, actual: error.actual, max: error.max };
  return {};
}
