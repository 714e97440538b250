import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalRedis } from '../../src/redis/local-server';

/** Starts one private redis-server for the whole run; each test file uses its own key prefix. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  const redis = await startLocalRedis();
  process.env.TEST_REDIS_URL = redis.url;
  const stateFile = path.join(os.tmpdir(), `cs-health-jest-redis-${process.pid}.json`);
  writeFileSync(stateFile, JSON.stringify({ pid: redis.pid, dir: redis.dir }));
  process.env.CS_HEALTH_JEST_REDIS_STATE = stateFile;
}
