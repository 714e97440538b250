import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { createLogger } from '../../src/log';
import { testRedis, testRedisUrl, uniquePrefix } from '../../test/setup/redis';
import { DEFAULT_RETENTION, JOB, RECOMPUTE_QUEUE_NAME, RecomputeQueue } from './queue';
import { processCanaryJob } from './schedules';

const logger = createLogger({ level: 'silent' });

describe('queue retention', () => {
  let redis: IORedis;
  let workerConnection: IORedis;
  let queue: RecomputeQueue;
  let worker: Worker | undefined;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    workerConnection = new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
    prefix = uniquePrefix('retention');
  });

  afterEach(async () => {
    await worker?.close();
    await queue.queue.obliterate({ force: true });
    await queue.close();
    workerConnection.disconnect();
    await redis.quit();
  });

  test('defaults bound completed and failed jobs', () => {
    queue = new RecomputeQueue({ connection: redis, prefix, logger });
    const options = queue.queue.defaultJobOptions;
    expect(options.removeOnComplete).toEqual({ count: 1000, age: 86_400 });
    expect(options.removeOnFail).toEqual({ count: 5000, age: 604_800 });
    expect(DEFAULT_RETENTION.completedCount).toBe(1000);
  });

  test('10,000 completed and 200 failed jobs stay within the caps', async () => {
    const failedCap = 150;
    queue = new RecomputeQueue({
      connection: redis,
      prefix,
      logger,
      retention: { ...DEFAULT_RETENTION, failedCount: failedCap },
    });
    // Canary jobs are the cheapest real job; the unknown name fails the way a bad job would.
    worker = new Worker(
      RECOMPUTE_QUEUE_NAME,
      async (job) => {
        if (job.name === JOB.canary) return processCanaryJob({ redis, prefix });
        throw new Error(`unknown job name "${job.name}"`);
      },
      { connection: workerConnection, prefix: `${prefix}:bull`, concurrency: 50 },
    );
    const total = 10_000;
    for (let start = 0; start < total; start += 1000) {
      await queue.queue.addBulk(
        Array.from({ length: 1000 }, () => ({ name: JOB.canary, data: {} })),
      );
    }
    await queue.queue.addBulk(
      Array.from({ length: 200 }, () => ({ name: 'broken', data: {}, opts: { attempts: 1 } })),
    );

    const started = Date.now();
    for (;;) {
      const left = await queue.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const remaining = Object.values(left).reduce((sum, count) => sum + count, 0);
      if (remaining === 0) break;
      if (Date.now() - started > 120_000) throw new Error(`${remaining} jobs left after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const counts = await queue.queue.getJobCounts('completed', 'failed', 'waiting', 'active');
    expect(counts.waiting).toBe(0);
    expect(counts.active).toBe(0);
    expect(counts.completed).toBeLessThanOrEqual(1000);
    expect(counts.completed).toBeGreaterThan(0);
    expect(counts.failed).toBeLessThanOrEqual(failedCap);
    expect(counts.failed).toBeGreaterThan(0);
    // Job hashes of removed jobs are gone too, not only their set entries.
    const jobKeys = await redis.keys(`${prefix}:bull:${RECOMPUTE_QUEUE_NAME}:*`);
    const numbered = jobKeys.filter((key) => /:\d+$/.test(key));
    expect(numbered.length).toBeLessThanOrEqual(1000 + failedCap);
  }, 150_000);
});
