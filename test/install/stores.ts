import type IORedis from 'ioredis';
import type { Env } from '../../src/config/env';
import { TokenCipher } from '../../src/crypto/token-cipher';
import { HubSpotGateway } from '../../src/hubspot/gateway';
import { RedisRateLimiter } from '../../src/hubspot/rate-limiter';
import type { RequestSettings } from '../../src/hubspot/request-runner';
import { createLogger, type Logger } from '../../src/log';
import { InstallationStore } from '../../src/store/installations';
import { TokenStore } from '../../src/store/tokens';

export interface GatewayFixture {
  env: Env;
  redis: IORedis;
  prefix: string;
  logger: Logger;
  installations: InstallationStore;
  tokens: TokenStore;
  limiter: RedisRateLimiter;
  gateway: HubSpotGateway;
}

/** Real stores, limiter and gateway on the test Redis, with fast retries for tests. */
export function buildGateway(options: {
  env: Env;
  redis: IORedis;
  prefix: string;
  logger?: Logger;
  settings?: Partial<RequestSettings>;
  windowScale?: number;
}): GatewayFixture {
  const { env, redis, prefix } = options;
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const installations = new InstallationStore({ redis, prefix });
  const tokens = new TokenStore({
    redis,
    prefix,
    cipher: new TokenCipher(env.TOKEN_ENCRYPTION_KEYS, env.TOKEN_ENCRYPTION_ACTIVE_KEY),
  });
  const limiter = new RedisRateLimiter({
    redis,
    prefix,
    generalPerWindow: env.RATE_LIMIT_PER_10S,
    searchPerWindow: env.SEARCH_RATE_LIMIT_PER_S,
    windowScale: options.windowScale ?? 1,
  });
  const gateway = new HubSpotGateway({
    env,
    redis,
    prefix,
    logger,
    installations,
    tokens,
    limiter,
    settings: { retryBaseMs: 10, ...options.settings },
  });
  return { env, redis, prefix, logger, installations, tokens, limiter, gateway };
}

/** Stores an active installation with the given tokens, as a finished install would. */
export async function seedInstallation(
  fixture: Pick<GatewayFixture, 'installations' | 'tokens'>,
  portalId: number,
  tokens: { accessToken: string; refreshToken: string; expiresAt: number },
): Promise<void> {
  await fixture.tokens.save(portalId, tokens);
  await fixture.installations.markInstalled(portalId, { scopes: ['oauth'] });
}
