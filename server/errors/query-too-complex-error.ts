/** A query over the depth, breadth or cost limit (schema/builder.ts). Maps to `QUERY_TOO_COMPLEX`. */
export class QueryTooComplexError extends Error {
  constructor(
    readonly kind: string,
    readonly actual: number,
    readonly max: number,
  ) {
    super(`The query's ${kind} is ${actual}, over the limit of ${max}. Ask for fewer or shallower fields.`);
    this.name = 'QueryTooComplexError';
  }
}
