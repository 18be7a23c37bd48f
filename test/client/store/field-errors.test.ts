import { CombinedError } from '@urql/solid';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorMessage, fieldErrors } from '../../../client/src/store/field-errors';

const gqlError = (message: string, extensions: Record<string, unknown>) =>
  new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions })] });

describe('fieldErrors: each API error goes next to the field that caused it', () => {
  it('puts an unknown class on the field holding that class, even when the other class is among the suggestions', () => {
    const e = gqlError('Unknown class "tigr cat". Closest: "tiger cat", "tiger", "tabby".', {
      code: 'UNKNOWN_CLASS',
      details: { nearest: ['tiger cat'] },
    });
    expect(fieldErrors(e, { class1: 'tiger cat', class2: 'tigr cat' })).toEqual({ class2: e.graphQLErrors[0].message });
    expect(fieldErrors(e, { class1: 'tigr cat', class2: 'tabby' })).toEqual({ class1: e.graphQLErrors[0].message });
  });

  it('maps codes to their fields, and names from the error win over the table', () => {
    expect(fieldErrors(gqlError('Not a PNG or JPEG.', { code: 'BAD_IMAGE' }))).toEqual({ image: 'Not a PNG or JPEG.' });
    expect(fieldErrors(gqlError('No layer "mixed9z".', { code: 'UNKNOWN_LAYER' }))).toEqual({ layer: 'No layer "mixed9z".' });
    expect(fieldErrors(gqlError('steps must be 1..2000', { code: 'BAD_STEPS' }))).toEqual({ steps: 'steps must be 1..2000' });
    expect(fieldErrors(gqlError('The queue is full (100).', { code: 'QUEUE_FULL' }))).toEqual({ form: 'The queue is full (100).' });
    expect(fieldErrors(gqlError('No image "x".', { code: 'NOT_FOUND', details: { kind: 'image', id: 'x' } }))).toEqual({
      image: 'No image "x".',
    });
    expect(fieldErrors(gqlError('seed out of range', { code: 'BAD_ARGUMENT', details: { field: 'seed' } }))).toEqual({
      seed: 'seed out of range',
    });
  });

  it('never leaves a transport failure only in the console', () => {
    const closed = new CombinedError({ networkError: Object.assign(new Error(), { code: 4500, reason: 'Unexpected error.' }) as Error });
    expect(fieldErrors(closed).form).toBe('The live connection closed (4500: Unexpected error.).');
    const down = new CombinedError({ networkError: new TypeError('Failed to fetch') });
    expect(errorMessage(down)).toBe('Cannot reach the API: Failed to fetch');
  });
});
