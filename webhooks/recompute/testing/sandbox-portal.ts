import { randomBytes } from 'node:crypto';
import type IORedis from 'ioredis';
import type { PortalHandle, Sandbox } from '../../../sandbox';
import { loadEnv } from '../../../src/config/env';
import { TokenCipher } from '../../../src/crypto/token-cipher';
import { HubSpotGateway } from '../../../src/hubspot/gateway';
import { RedisRateLimiter } from '../../../src/hubspot/rate-limiter';
import type { PortalClient } from '../../../src/hubspot/types';
import { createLogger, type Logger } from '../../../src/log';
import { InstallationStore } from '../../../src/store/installations';
import { TokenStore } from '../../../src/store/tokens';

export interface ConnectedPortal {
  client: PortalClient;
  gateway: HubSpotGateway;
  /** The Redis rate limiter the gateway takes its slots from. */
  limiter: RedisRateLimiter;
  logger: Logger;
}

/**
 * Connects the real gateway to a sandbox portal for tests. Tokens issued by the sandbox are
 * stored encrypted, as an install stores them. Requests go through the real Redis rate limiter,
 * with its windows shortened to match the sandbox's `timeScale`.
 */
export async function connectSandboxPortal(options: {
  sandbox: Sandbox;
  portal: PortalHandle;
  redis: IORedis;
  prefix: string;
  timeScale?: number;
  logger?: Logger;
}): Promise<ConnectedPortal> {
  const { sandbox, portal, redis, prefix } = options;
  const logger = options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const env = loadEnv({
    NODE_ENV: 'test',
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    TOKEN_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    REDIS_PREFIX: prefix,
  });
  const cipher = new TokenCipher(env.TOKEN_ENCRYPTION_KEYS, env.TOKEN_ENCRYPTION_ACTIVE_KEY);
  const installations = new InstallationStore({ redis, prefix });
  const tokens = new TokenStore({ redis, prefix, cipher });
  const issued = portal.issueTokens();
  await tokens.save(portal.id, {
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: Date.now() + issued.expiresIn * 1000,
  });
  await installations.markInstalled(portal.id, { scopes: [] });
  const windowScale = 1 / (options.timeScale ?? 1);
  const limiter = new RedisRateLimiter({
    redis,
    prefix,
    generalPerWindow: env.RATE_LIMIT_PER_10S,
    searchPerWindow: env.SEARCH_RATE_LIMIT_PER_S,
    windowScale,
  });
  const gateway = new HubSpotGateway({
    env,
    redis,
    prefix,
    logger,
    installations,
    tokens,
    limiter,
    settings: { rateLimitWindowScale: windowScale, retryBaseMs: 20 },
  });
  return { client: await gateway.forPortal(portal.id), gateway, limiter, logger };
}
