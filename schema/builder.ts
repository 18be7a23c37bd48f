import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { GraphQLError } from 'graphql';
import { QueryTooComplexError } from '../server/errors/query-too-complex-error.js';
import type { Context } from './context.js';

/**
 * Query limits. Depth 10 covers the deepest useful query (jobs > edges > node > result > top >
 * channel is 6); the cost limit lets a client list 100 jobs with their top 20 channels, but not
 * ask for every channel of every job at once.
 */
export const QUERY_LIMITS = { depth: 10, breadth: 300, complexity: 25_000 };

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    File: { Input: File; Output: never };
    DateTime: { Input: Date; Output: Date };
  };
}>({
  plugins: [ComplexityPlugin],
  defaultFieldNullability: false,
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: QUERY_LIMITS,
    complexityError: (kind, result) => {
      // kind is 'Complexity', 'Depth' or 'Breadth'.
      const key = kind.toLowerCase() as 'complexity' | 'depth' | 'breadth';
      const max = result[`max${kind}` as 'maxDepth'] ?? 0;
      const error = new QueryTooComplexError(key, result[key], max);
      return new GraphQLError(error.message, { originalError: error });
    },
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec (`multipart/form-data`). Input only.',
  serialize: () => {
    throw new Error('File is an input-only scalar.');
  },
});

builder.scalarType('DateTime', {
  description: 'A point in time, as an ISO 8601 string in UTC (e.g. `2026-11-29T14:26:05.000Z`).',
  serialize: (d) => d.toISOString(),
  parseValue: (v) => {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) throw new GraphQLError(`Not an ISO 8601 date: ${v}`);
    return d;
  },
});

builder.queryType({ description: 'Read the model, images and attribution jobs.' });
builder.mutationType({ description: 'Upload images; start, compare and cancel attribution jobs.' });
builder.subscriptionType({ description: 'Live progress of attribution jobs (over SSE or graphql-ws).' });
