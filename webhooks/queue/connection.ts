import IORedis, { type RedisOptions } from 'ioredis';

/**
 * `web`: request paths must fail fast when Redis is down, so commands are never queued while
 * disconnected and each one is bounded by `commandTimeout`. `worker`: BullMQ's blocking
 * commands need `maxRetriesPerRequest: null`, and waiting through a Redis restart is right.
 */
export type RedisRole = 'web' | 'worker';

export const WEB_COMMAND_TIMEOUT_MS = 1000;

export function redisOptionsFor(role: RedisRole): RedisOptions {
  if (role === 'web') {
    return {
      enableOfflineQueue: false,
      commandTimeout: WEB_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      // Keep reconnecting in the background; requests get 503 meanwhile.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    };
  }
  return { maxRetriesPerRequest: null, enableReadyCheck: true };
}

/**
 * Opens a Redis connection for the role and waits until it is ready, so a web connection
 * without an offline queue does not get its first commands rejected. Rejects after `timeoutMs`
 * with the URL (without its password) in the message.
 */
export async function connectRedis(
  url: string,
  role: RedisRole,
  timeoutMs = 10_000,
): Promise<IORedis> {
  const redis = new IORedis(url, { ...redisOptionsFor(role), lazyConnect: true });
  const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`Redis at ${safeUrl} did not become ready within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
