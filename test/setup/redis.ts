import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';

/** Returns the URL of the run's private Redis; global-setup starts it. */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest (npm test)');
  return url;
}

/** A unique key prefix, so test files sharing the one Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}

export function testRedis(): IORedis {
  return new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
}
