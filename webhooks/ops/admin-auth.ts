import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Reads the token from `Authorization: Bearer <token>`, or the password of Basic auth. */
function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/**
 * Express middleware that admits requests carrying `ADMIN_TOKEN`, as a bearer token (scripts) or
 * as the password of HTTP Basic auth with any user name (browsers prompt for it). The comparison
 * hashes both sides first, so it takes the same time whatever the lengths.
 */
export function requireAdminToken(adminToken: string) {
  const expected = digest(adminToken);
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = presentedToken(req.headers.authorization);
    if (token !== undefined && timingSafeEqual(digest(token), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="CS Health admin", charset="UTF-8"');
    res.status(401).json({
      status: 'error',
      message:
        'missing or invalid admin token: send Authorization: Bearer <ADMIN_TOKEN>, or Basic auth with ADMIN_TOKEN as the password',
    });
  };
}
