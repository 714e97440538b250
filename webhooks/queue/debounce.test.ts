import type IORedis from 'ioredis';
import { createLogger } from '../../src/log';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { RecomputeQueue } from './queue';

describe('recompute debounce', () => {
  let redis: IORedis;
  let queue: RecomputeQueue;

  beforeAll(() => {
    redis = testRedis();
  });
  beforeEach(() => {
    queue = new RecomputeQueue({
      connection: redis,
      prefix: uniquePrefix('debounce'),
      logger: createLogger({ level: 'silent' }),
      hotDebounceMs: 1500,
    });
  });
  afterEach(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.queue.close();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('delays the job of webhook work', async () => {
    const actions = await queue.enqueue([
      { portalId: 11, companies: ['42'], objectRefs: [], droppedCompanies: [] },
    ]);
    const added = actions.find((action) => action.action === 'add');
    if (!added) throw new Error(`no job was added: ${JSON.stringify(actions)}`);

    const job = await queue.queue.getJob(added.jobId);
    expect(job?.opts.delay).toBe(1500);
    expect(await job?.getState()).toBe('delayed');
  });

  it('adds one job for a burst on one company', async () => {
    for (let i = 0; i < 100; i += 1) {
      await queue.enqueue([
        { portalId: 12, companies: ['42'], objectRefs: [], droppedCompanies: [] },
      ]);
    }
    const counts = await queue.queue.getJobCounts('delayed', 'waiting', 'prioritized');
    expect(counts.delayed).toBe(1);
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBe(0);
  });

  it('starts backfill work at once', async () => {
    await queue.markCompanies(13, ['1', '2', '3'], 'backfill');
    const counts = await queue.queue.getJobCounts('delayed', 'waiting', 'prioritized');
    expect(counts.delayed).toBe(0);
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBe(1);
  });
});
