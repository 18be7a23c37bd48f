import type { CombinedError } from '@urql/solid';

/** The inputs an API error can be pinned to; `form` is the start button's own line. */
export type Field =
  'model' | 'image' | 'class1' | 'class2' | 'layer' | 'method' | 'steps' | 'rule' | 'seed' | 'groups' | 'tolerance' | 'form';
export type FieldErrors = Partial<Record<Field, string>>;

/** Error codes (docs/api.md, "Errors") and the field each belongs to when the error does not say. */
const FIELD_OF_CODE: Record<string, Field> = {
  UNKNOWN_MODEL: 'model',
  BAD_IMAGE: 'image',
  BAD_IMAGES: 'image',
  UNKNOWN_LAYER: 'layer',
  UNKNOWN_CLASS: 'class1',
  BAD_STEPS: 'steps',
  QUEUE_FULL: 'form',
  NOT_FOUND: 'form',
};

const FIELDS = new Set<string>(['model', 'image', 'class1', 'class2', 'layer', 'method', 'steps', 'rule', 'seed', 'groups', 'tolerance']);

/**
 * Pins each GraphQL error to the input that caused it: `extensions.field` (or `details.field`)
 * when the API names it; for UNKNOWN_CLASS, the field holding the class the message quotes; otherwise the code's
 * usual field. Transport failures land on `form`, so nothing is shown only in the console.
 */
export function fieldErrors(error: CombinedError | undefined, input: { class1?: string | null; class2?: string | null } = {}): FieldErrors {
  if (!error) return {};
  const out: FieldErrors = {};
  const add = (f: Field, msg: string) => (out[f] = out[f] ? `${out[f]} ${msg}` : msg);
  if (error.networkError) add('form', errorMessage(error));
  for (const e of error.graphQLErrors) {
    const ext = (e.extensions ?? {}) as Record<string, unknown>;
    const details = (ext.details ?? {}) as Record<string, unknown>;
    const code = typeof ext.code === 'string' ? ext.code : '';
    const named = [ext.field, details.field, ext.argument, details.argument].find((f) => typeof f === 'string') as string | undefined;
    let field: Field = named && FIELDS.has(named) ? (named as Field) : (FIELD_OF_CODE[code] ?? 'form');
    if (code === 'UNKNOWN_CLASS' && !named) field = classFieldOf(e.message, input);
    if (code === 'NOT_FOUND' && (details.kind ?? ext.kind) === 'image') field = 'image';
    add(field, e.message);
  }
  return out;
}

/** The class text an UNKNOWN_CLASS error is about: the first quoted name (`Unknown class "x". Closest: ...`) or the index. */
function classFieldOf(message: string, input: { class1?: string | null; class2?: string | null }): Field {
  const about = /"([^"]*)"/.exec(message)?.[1] ?? /index (\d+)/.exec(message)?.[1];
  const c1 = input.class1?.trim();
  const c2 = input.class2?.trim();
  return about !== undefined && c2 !== undefined && about.toLowerCase() === c2.toLowerCase() && about.toLowerCase() !== c1?.toLowerCase()
    ? 'class2'
    : 'class1';
}

/**
 * One line for people. A graphql-ws close arrives as a CloseEvent (code and reason, no message),
 * which urql would print as "[Network] undefined".
 */
export function errorMessage(error: CombinedError): string {
  if (error.graphQLErrors.length) return error.graphQLErrors.map((e) => e.message).join(' ');
  const net = error.networkError as (Error & { code?: number; reason?: string }) | undefined;
  if (net && typeof net.code === 'number') return `The live connection closed (${net.code}${net.reason ? `: ${net.reason}` : ''}).`;
  return `Cannot reach the API${net?.message ? `: ${net.message}` : '.'}`;
}
