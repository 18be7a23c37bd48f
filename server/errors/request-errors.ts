import type { GraphQLError } from 'graphql';

/**
 * The most one HTTP request may carry (Yoga's `maxRequestBodySize`). It fits the largest image
 * (10 MB, MAX_IMAGE_BYTES) as a base64 data URL (13.4 MB) with its query; a bigger body is refused
 * from its Content-Length before it is read.
 */
export const MAX_REQUEST_BYTES = 15 * 1024 * 1024;

/** What a request over MAX_REQUEST_BYTES is told (BAD_IMAGE, HTTP 413): only a model import may be larger. */
export const REQUEST_TOO_LARGE_MESSAGE = `The request is larger than ${MAX_REQUEST_BYTES / 1048576} MB, the most one request may carry: an image may be at most 10 MB.`;

/**
 * Yoga's own request errors, reworded in place to one sentence with the limit or the cause and a
 * code from the table (docs/api.md): its over-size error names no limit, and its invalid-JSON error
 * carries the parser's message, body included, in `extensions.originalError`. In place, because
 * Yoga logs any error maskError replaces, and a client's malformed request is not the server's
 * problem. Returns whether it was one of them.
 */
export function rewordRequestError(g: GraphQLError): boolean {
  const extensions = g.extensions as Record<string, unknown>;
  if (!Object.isExtensible(extensions)) return false;
  if (extensions.code === 'REQUEST_ENTITY_TOO_LARGE') {
    g.message = REQUEST_TOO_LARGE_MESSAGE;
    extensions.code = 'BAD_IMAGE';
    return true;
  }
  if (extensions.code === 'BAD_REQUEST' && g.message === 'POST body sent invalid JSON.') {
    const parser = (extensions.originalError as { message?: string } | undefined)?.message;
    // Node's message repeats the body after the cause: `Unexpected token 'h', "hello" is not valid JSON`.
    const cause = parser?.split(/, "/)[0];
    g.message = `The request body is not valid JSON${cause ? ` (${cause})` : ''}: send {"query": "...", "variables": {...}} with Content-Type: application/json.`;
    delete extensions.originalError;
    // 400 whatever the Accept header: the body is not a GraphQL request at all (GraphQL over HTTP, "Request errors").
    extensions.http = { status: 400 };
    return true;
  }
  return false;
}
