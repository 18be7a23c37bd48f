import { GraphQLError } from 'graphql';
import { INTERNAL_ERROR_CODE, publicError } from './error-codes.js';
import { rewordRequestError } from './request-errors.js';

/** Message of every masked error: nothing about the server's insides reaches a client. */
export const MASKED_MESSAGE = 'Unexpected error.';

/**
 * By name, not instanceof: graphql can be loaded twice (its ESM and CJS builds, e.g. under
 * vitest), and then Yoga's GraphQLError is not ours. Yoga's own isGraphQLError does the same.
 */
const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === 'GraphQLError';

/**
 * Yoga's `maskedErrors.maskError`: known errors become GraphQL errors with `extensions.code`
 * (error-codes.ts); GraphQL's own errors (syntax, validation, CSRF) pass, Yoga's request errors
 * reworded (request-errors.ts); the rest are masked,
 * with no message, stack or cause, whatever NODE_ENV says. Yoga logs the original.
 */
export function maskError(error: unknown): Error {
  const g = isGraphQLError(error) ? error : null;
  // A resolver's error is wrapped once by graphql-js, and once more when it was itself a GraphQLError.
  let cause: unknown = g ? g.originalError : error;
  if (isGraphQLError(cause) && cause.originalError) cause = cause.originalError;
  const known = publicError(cause);
  if (known) {
    const extensions = {
      code: known.code,
      ...(Object.keys(known.details).length ? { details: known.details } : {}),
      ...(known.httpStatus ? { http: { status: known.httpStatus } } : {}),
    };
    // Returning the same error tells Yoga nothing was masked, so it does not log a client's mistake;
    // dropping the cause makes it a plain GraphQL error to Yoga, answered with 200 rather than 500.
    if (g && g.message === known.message && Object.isExtensible(g.extensions)) {
      Object.assign(g.extensions, extensions);
      Object.defineProperty(g, 'originalError', { value: undefined });
      return g;
    }
    return new GraphQLError(known.message, { nodes: g?.nodes, source: g?.source, positions: g?.positions, path: g?.path, extensions });
  }
  if (g && !g.originalError) {
    rewordRequestError(g);
    return g;
  }
  if (g && isGraphQLError(g.originalError) && !g.originalError.originalError) return g.originalError;
  return new GraphQLError(MASKED_MESSAGE, {
    nodes: g?.nodes,
    source: g?.source,
    positions: g?.positions,
    path: g?.path,
    extensions: { code: INTERNAL_ERROR_CODE },
  });
}
