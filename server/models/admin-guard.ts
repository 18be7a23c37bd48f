import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminError } from '../errors/admin-error.js';

/** Addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Who may import and delete models. Both change what every user of the server runs, and an
 * import parses files a client sent: with ADMIN_TOKEN set they need `Authorization: Bearer
 * <token>`; without it, only a server that listens on loopback allows them (whoever can reach it
 * runs on this machine already). Everything else stays open.
 */
export class AdminGuard {
  constructor(
    private readonly token: string | null,
    private readonly host: string,
  ) {}

  /** Why model imports and deletes are off on this server, or null when they are on (for the start-up log). */
  get refusal(): string | null {
    if (this.token || isLoopback(this.host)) return null;
    return (
      `importing and deleting models is off: the server listens on ${this.host}, beyond this machine, and ADMIN_TOKEN is not set, ` +
      'so anyone who can reach it could make it parse and run their files. Set ADMIN_TOKEN and send it as `Authorization: Bearer <token>`.'
    );
  }

  /** Throws UNAUTHENTICATED or FORBIDDEN unless the request may import and delete models. */
  check(authorization: string | null | undefined): void {
    if (!this.token) {
      const refusal = this.refusal;
      if (refusal) throw new AdminError('FORBIDDEN', `${refusal[0].toUpperCase()}${refusal.slice(1)}`);
      return;
    }
    const given = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!given) {
      throw new AdminError(
        'UNAUTHENTICATED',
        'Importing and deleting models needs the admin token: send `Authorization: Bearer <ADMIN_TOKEN>`.',
      );
    }
    // Digests first, so the comparison takes the same time whatever the lengths and contents.
    if (!timingSafeEqual(digest(given), digest(this.token))) {
      throw new AdminError(
        'UNAUTHENTICATED',
        'The admin token is wrong: send `Authorization: Bearer <ADMIN_TOKEN>` with the token the server was started with.',
      );
    }
  }
}
