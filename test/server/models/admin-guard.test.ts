import { describe, expect, it } from 'vitest';
import { AdminGuard, isLoopback } from '../../../server/models/admin-guard.js';

describe('AdminGuard', () => {
  it('lets anyone import on a loopback server without ADMIN_TOKEN', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.1.1']) {
      expect(isLoopback(host)).toBe(true);
      expect(new AdminGuard(null, host).refusal).toBeNull();
      expect(() => new AdminGuard(null, host).check(null)).not.toThrow();
    }
  });

  it('refuses imports on a server listening beyond loopback without ADMIN_TOKEN, saying why', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      const guard = new AdminGuard(null, host);
      expect(guard.refusal).toMatch(/listens on .* beyond this machine, and ADMIN_TOKEN is not set/);
      expect(() => guard.check('Bearer anything')).toThrow(expect.objectContaining({ code: 'FORBIDDEN', httpStatus: 403 }));
    }
  });

  it('with ADMIN_TOKEN, wants exactly that bearer token, wherever the server listens', () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const guard = new AdminGuard('s3cret-token', host);
      expect(guard.refusal).toBeNull();
      expect(() => guard.check('Bearer s3cret-token')).not.toThrow();
      expect(() => guard.check('bearer   s3cret-token ')).not.toThrow();
      for (const bad of [null, '', 'Bearer', 'Basic s3cret-token', 'Bearer s3cret-toke', 'Bearer s3cret-token2', 's3cret-token']) {
        expect(() => guard.check(bad)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', httpStatus: 401 }));
      }
    }
  });
});
