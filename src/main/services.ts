import IORedis from 'ioredis';
import type { Env } from '../config/env';
import { TokenCipher } from '../crypto/token-cipher';
import { HubSpotGateway } from '../hubspot/gateway';
import { RedisRateLimiter } from '../hubspot/rate-limiter';
import type { RequestSettings } from '../hubspot/request-runner';
import type { Logger } from '../log';
import { InstallationStore } from '../store/installations';
import { TokenStore } from '../store/tokens';

/** The stores and the gateway every process builds the same way from the environment. */
export interface CoreServices {
  redis: IORedis;
  installations: InstallationStore;
  tokens: TokenStore;
  limiter: RedisRateLimiter;
  gateway: HubSpotGateway;
}

/**
 * Connects Redis and builds the installation and token stores, the shared rate limiter and the
 * gateway. Throws with the URL (without credentials) when Redis does not respond within 10 s.
 */
export async function buildCoreServices(
  env: Env,
  logger: Logger,
  /** Workers pass short waits here, so a spent budget delays the job instead of blocking a slot. */
  gatewaySettings: Partial<RequestSettings> = {},
): Promise<CoreServices> {
  const redis = new IORedis(env.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: true });
  redis.on('error', (error) => logger.error({ err: error }, 'Redis connection error'));
  await connectRedis(redis, env.REDIS_URL);
  if (env.NODE_ENV === 'production') await checkDurability(redis, logger);

  const prefix = env.REDIS_PREFIX;
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
  });
  const gateway = new HubSpotGateway({
    env,
    redis,
    prefix,
    logger,
    installations,
    tokens,
    limiter,
    settings: gatewaySettings,
  });
  return { redis, installations, tokens, limiter, gateway };
}

/**
 * Refuses to start in production on a Redis with the append-only file off, because a restart
 * would then lose every installation's tokens. Managed services that disable CONFIG get a
 * warning instead, since the setting cannot be read there.
 */
export async function checkDurability(redis: IORedis, logger: Logger): Promise<void> {
  let reply: unknown;
  try {
    reply = await redis.config('GET', 'appendonly');
  } catch (error) {
    logger.warn({ err: error }, 'could not read the Redis appendonly setting; make sure AOF is on');
    return;
  }
  const value = Array.isArray(reply) ? reply[1] : undefined;
  if (value === 'no') {
    throw new Error(
      'Redis has appendonly=no: turn on the append-only file (appendonly yes) so tokens survive a restart',
    );
  }
}

async function connectRedis(redis: IORedis, url: string): Promise<void> {
  const shown = url.replace(/\/\/[^@/]*@/, '//');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `Redis at ${shown} did not respond within 10 s: check REDIS_URL and that Redis is running`,
              ),
            ),
          10_000,
        );
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
