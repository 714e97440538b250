import { randomBytes } from 'node:crypto';
import { loadEnv, type Env } from '../../src/config/env';

/** A random `<id>:<base64>` key entry, as TOKEN_ENCRYPTION_KEYS takes it. */
export function keyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** Builds a valid Env through the real parser, for tests that talk to a sandbox or nock. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HUBSPOT_CLIENT_ID: 'test-client-id',
    HUBSPOT_CLIENT_SECRET: 'test-client-secret-value',
    HUBSPOT_API_BASE: 'http://127.0.0.1:9',
    HUBSPOT_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth/authorize',
    TOKEN_ENCRYPTION_KEYS: keyEntry('k1'),
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    ...overrides,
  });
}
