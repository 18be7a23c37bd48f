import type { Plugin } from 'graphql-yoga';
import type { AdminError } from '../errors/admin-error.js';
import { GraphQLError } from 'graphql';
import { MAX_REQUEST_BYTES, REQUEST_TOO_LARGE_MESSAGE } from '../errors/request-errors.js';
import type { AdminGuard } from './admin-guard.js';
import { tooLarge } from './model-registry.js';

/** Room for the multipart envelope around a model's files: the operation, the map, the part headers. */
export const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

/**
 * Decides from a request's headers, before its body is read, whether it may be as large as a model
 * upload: only a multipart request from whoever may import models may carry more than the 15 MB of
 * any other request, and nothing more than MAX_MODEL_BYTES (HTTP 413, naming the limit). So nobody
 * without the admin token can make the server buffer a gigabyte. Once parsed, such a request that
 * is not an importModel gets the 413 any other large request gets.
 */
export function useUploadLimits(opts: { maxModelBytes: number; admin: AdminGuard; graphqlPath: string }): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || url.pathname !== opts.graphqlPath) return;
      const length = Number(request.headers.get('content-length') ?? NaN);
      if (!(length > MAX_REQUEST_BYTES)) return;
      const refuse = (status: number, code: string, message: string, details?: Record<string, unknown>) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code, ...(details ? { details } : {}) } }] }), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
          }),
        );
      if (length > opts.maxModelBytes + MULTIPART_OVERHEAD_BYTES) {
        const e = tooLarge(length - MULTIPART_OVERHEAD_BYTES, opts.maxModelBytes);
        return refuse(413, e.code, e.message, e.details);
      }
      if (!/^multipart\/form-data/i.test(request.headers.get('content-type') ?? '')) {
        return refuse(413, 'BAD_IMAGE', REQUEST_TOO_LARGE_MESSAGE);
      }
      try {
        opts.admin.check(request.headers.get('authorization'));
      } catch (e) {
        const error = e as AdminError;
        return refuse(error.httpStatus, error.code, error.message);
      }
    },
    // A multipart request over 15 MB got through for being an admin's: once parsed, it must be an import.
    onParams({ request, params, setResult }) {
      const length = Number(request.headers.get('content-length') ?? NaN);
      if (!(length > MAX_REQUEST_BYTES) || /\bimportModel\b/.test(params.query ?? '')) return;
      setResult({ errors: [new GraphQLError(REQUEST_TOO_LARGE_MESSAGE, { extensions: { code: 'BAD_IMAGE', http: { status: 413 } } })] });
    },
  };
}
