import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Requires `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are hashed to 32 bytes before the
 * constant-time comparison, so neither the token's length nor its prefix leaks through timing.
 */
export function requireAdminToken(adminToken: string): RequestHandler {
  const expected = digest(adminToken);
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const provided = match?.[1];
    if (provided !== undefined && timingSafeEqual(digest(provided), expected)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="cs-health-admin"')
      .json({
        error: {
          code: provided === undefined ? 'missing_admin_token' : 'invalid_admin_token',
          message:
            'send the header Authorization: Bearer <ADMIN_TOKEN> with the value from the environment',
        },
      });
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
