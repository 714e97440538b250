import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type IORedis from 'ioredis';

/** How long an install link stays usable: long enough to read the consent page, no longer. */
export const OAUTH_STATE_TTL_SECONDS = 600;

export type StateCheck = 'valid' | 'unknown' | 'browser_mismatch';

/**
 * OAuth `state` values: random, stored in Redis for 10 minutes, single-use (GETDEL), and bound
 * to the browser that started the install. The browser keeps a second random value in a cookie;
 * Redis stores only its SHA-256, so neither half alone completes a callback.
 */
export class OAuthStateStore {
  constructor(private readonly deps: { redis: IORedis; prefix: string }) {}

  async create(): Promise<{ state: string; browserBinding: string }> {
    const state = randomBytes(32).toString('base64url');
    const browserBinding = randomBytes(32).toString('base64url');
    await this.deps.redis.set(
      this.key(state),
      sha256(browserBinding),
      'EX',
      OAUTH_STATE_TTL_SECONDS,
    );
    return { state, browserBinding };
  }

  /** Deletes the state whatever the outcome, so a second callback with it always fails. */
  async consume(state: string, browserBinding: string): Promise<StateCheck> {
    const stored = await this.deps.redis.getdel(this.key(state));
    if (stored === null) return 'unknown';
    const expected = Buffer.from(stored, 'hex');
    const actual = Buffer.from(sha256(browserBinding), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual)
      ? 'valid'
      : 'browser_mismatch';
  }

  private key(state: string): string {
    // The state travels in URLs; the key contains its hash so a Redis dump cannot replay one.
    return `${this.deps.prefix}:oauth-state:${sha256(state)}`;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
