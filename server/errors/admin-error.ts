/**
 * Importing and deleting models changes what every user of the server runs, and parses files a
 * client sent, so they are reserved to whoever holds ADMIN_TOKEN. UNAUTHENTICATED (HTTP 401): no
 * token, or a wrong one. FORBIDDEN (HTTP 403): the server listens beyond this machine and has no
 * ADMIN_TOKEN, so nobody may.
 */
export class AdminError extends Error {
  constructor(
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }

  get httpStatus(): number {
    return this.code === 'UNAUTHENTICATED' ? 401 : 403;
  }
}
