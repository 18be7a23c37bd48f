import { GraphQLError } from 'graphql';
import { INTERNAL_ERROR_CODE, publicError } from './error-codes.js';

/** Message of every masked error: nothing about the server's insides reaches a client. */
export const MASKED_MESSAGE = 'Unexpected error.';

/**
 * Yoga's `maskedErrors.maskError`: known errors become GraphQL errors with `extensions.code`
 * (error-codes.ts); GraphQL's own errors (syntax, validation, CSRF) pass; the rest are masked,
 * with no message, stack or cause, whatever NODE_ENV says. Yoga logs the original.
 */
export function maskError(error: unknown): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? null) : error;
  const known = publicError(original instanceof GraphQLError ? original.originalError : original);
  if (known) {
    const g = error instanceof GraphQLError ? error : null;
    // Returning the same error tells Yoga nothing was masked, so it does not log a client's mistake.
    if (g && g.message === known.message && Object.isExtensible(g.extensions)) {
      Object.assign(g.extensions, { code: known.code }, Object.keys(known.details).length ? { details: known.details } : {});
      return g;
    }
    return new GraphQLError(known.message, {
      nodes: g?.nodes,
      source: g?.source,
      positions: g?.positions,
      path: g?.path,
      extensions: { code: known.code, ...(Object.keys(known.details).length ? { details: known.details } : {}) },
    });
  }
  if (error instanceof GraphQLError && !error.originalError) return error;
  if (error instanceof GraphQLError && error.originalError instanceof GraphQLError && !error.originalError.originalError) {
    return error.originalError;
  }
  const g = error instanceof GraphQLError ? error : null;
  return new GraphQLError(MASKED_MESSAGE, {
    nodes: g?.nodes,
    source: g?.source,
    positions: g?.positions,
    path: g?.path,
    extensions: { code: INTERNAL_ERROR_CODE },
  });
}
