/** An id that names no job or image. Maps to `NOT_FOUND`. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: 'job' | 'image',
    readonly id: string,
  ) {
    super(`No ${kind} has the id "${id}".`);
    this.name = 'NotFoundError';
  }
}
