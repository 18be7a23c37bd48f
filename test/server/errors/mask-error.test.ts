import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../server/errors/engine-error.js';
import { PUBLIC_ERROR_CODES, publicError } from '../../../server/errors/error-codes.js';
import { maskError, MASKED_MESSAGE } from '../../../server/errors/mask-error.js';
import { NotFoundError } from '../../../server/errors/not-found-error.js';
import { QueryTooComplexError } from '../../../server/errors/query-too-complex-error.js';
import { QueueFullError } from '../../../server/errors/queue-full-error.js';

/** How graphql-js hands a resolver's error to Yoga. */
const fromResolver = (e: Error) => new GraphQLError(e.message, { path: ['field'], originalError: e });

describe('error table', () => {
  it('maps every issue-4 code from its error class', () => {
    const cases: [Error, string][] = [
      [new EngineError('BAD_IMAGE', 'b'), 'BAD_IMAGE'],
      [new EngineError('UNKNOWN_LAYER', 'l', { valid: ['mixed4d'] }), 'UNKNOWN_LAYER'],
      [new EngineError('UNKNOWN_CLASS', 'c', { nearest: ['a'] }), 'UNKNOWN_CLASS'],
      [new EngineError('BAD_STEPS', 's'), 'BAD_STEPS'],
      [new QueueFullError(100), 'QUEUE_FULL'],
      [new NotFoundError('job', 'x'), 'NOT_FOUND'],
      [new QueryTooComplexError('depth', 12, 10), 'QUERY_TOO_COMPLEX'],
    ];
    for (const [error, code] of cases) {
      expect(publicError(error)?.code).toBe(code);
      const masked = maskError(fromResolver(error)) as GraphQLError;
      expect(masked.extensions.code).toBe(code);
      expect(masked.message).toBe(error.message);
      expect(masked.path).toEqual(['field']);
    }
    expect(PUBLIC_ERROR_CODES).toEqual(
      expect.arrayContaining(['BAD_IMAGE', 'UNKNOWN_LAYER', 'UNKNOWN_CLASS', 'BAD_STEPS', 'QUEUE_FULL', 'NOT_FOUND']),
    );
  });

  it('passes details through', () => {
    const masked = maskError(fromResolver(new EngineError('UNKNOWN_CLASS', 'c', { nearest: ['tabby'] }))) as GraphQLError;
    expect(masked.extensions.details).toEqual({ nearest: ['tabby'] });
  });

  it('masks unexpected errors and server-side engine codes, with nothing of the original', () => {
    for (const error of [
      new Error('ENOENT: /secret/path/jobs.sqlite'),
      new TypeError('x is undefined'),
      new EngineError('MODEL_NOT_FOUND', '/srv/models missing'),
    ]) {
      const masked = maskError(fromResolver(error)) as GraphQLError;
      expect(masked.message).toBe(MASKED_MESSAGE);
      expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(masked.originalError).toBeUndefined();
      expect(JSON.stringify(masked.toJSON())).not.toMatch(/secret|undefined|srv|stack/);
    }
    expect(maskError(new Error('thrown outside a resolver')).message).toBe(MASKED_MESSAGE);
  });

  it("lets GraphQL's own errors (syntax, validation, HTTP) pass unchanged", () => {
    const validation = new GraphQLError('Cannot query field "nope" on type "Model".');
    expect(maskError(validation)).toBe(validation);
    const csrf = new GraphQLError('Required CSRF header(s) not present', { extensions: { http: { status: 403 } } });
    expect(maskError(csrf)).toBe(csrf);
  });
});
