import type IORedis from 'ioredis';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { HubSpotApiError } from './errors';
import { RedisRateLimiter, sleep } from './rate-limiter';

describe('RedisRateLimiter', () => {
  let redis: IORedis;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  function limiter(overrides: Partial<ConstructorParameters<typeof RedisRateLimiter>[0]> = {}) {
    return new RedisRateLimiter({
      redis,
      prefix: uniquePrefix('limiter'),
      generalPerWindow: 5,
      searchPerWindow: 2,
      ...overrides,
    });
  }

  it('grants slots up to the limit, then returns a wait', async () => {
    const subject = limiter();
    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) waits.push(await subject.tryAcquire(1, 'general'));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBeGreaterThan(9_000);
    expect(waits[5]).toBeLessThanOrEqual(10_000);
  });

  it('availableIn reports without taking a slot', async () => {
    const subject = limiter();
    for (let i = 0; i < 10; i += 1) expect(await subject.availableIn(1, 'general')).toBe(0);
    for (let i = 0; i < 5; i += 1) expect(await subject.tryAcquire(1, 'general')).toBe(0);
    const peeked = await subject.availableIn(1, 'general');
    expect(peeked).toBeGreaterThan(9_000);
    expect(peeked).toBeLessThanOrEqual(10_000);
    const taken = await subject.tryAcquire(1, 'general');
    expect(Math.abs(taken - peeked)).toBeLessThan(1_000);
  });

  it('availableIn honours a block after a 429', async () => {
    const subject = limiter();
    await subject.block(1, 'search', 5_000);
    expect(await subject.availableIn(1, 'search')).toBeGreaterThan(4_000);
    expect(await subject.availableIn(1, 'general')).toBe(0);
  });

  it('keeps portals and kinds apart', async () => {
    const subject = limiter();
    for (let i = 0; i < 5; i += 1) await subject.tryAcquire(1, 'general');
    expect(await subject.tryAcquire(2, 'general')).toBe(0);
    expect(await subject.tryAcquire(1, 'search')).toBe(0);
  });

  it('shares one budget between limiter instances', async () => {
    const prefix = uniquePrefix('limiter-shared');
    const first = new RedisRateLimiter({ redis, prefix, generalPerWindow: 3, searchPerWindow: 1 });
    const second = new RedisRateLimiter({ redis, prefix, generalPerWindow: 3, searchPerWindow: 1 });
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? first : second).tryAcquire(9, 'general')),
    );
    expect(results.filter((wait) => wait === 0)).toHaveLength(3);
  });

  it('acquire sleeps until the window frees a slot', async () => {
    const subject = limiter({ searchPerWindow: 2, windowScale: 0.2 });
    const started = Date.now();
    for (let i = 0; i < 6; i += 1) await subject.acquire(1, 'search');
    // 6 searches at 2 per 200 ms window need at least two full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('acquire surfaces a long wait as a retryable error', async () => {
    const subject = limiter();
    for (let i = 0; i < 5; i += 1) await subject.acquire(1, 'general');
    const error = await subject.acquire(1, 'general', 100).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HubSpotApiError);
    expect((error as HubSpotApiError).retryable).toBe(true);
    expect((error as HubSpotApiError).retryAfterMs).toBeGreaterThan(9_000);
  });

  it('settle keeps a slot until a window after the request finished', async () => {
    const subject = limiter({ generalPerWindow: 1, windowScale: 0.02 });
    const slot = await subject.acquireSlot(1, 'general');
    await sleep(150);
    await slot.settle();
    await sleep(100);

    // 250 ms after the grant the 200 ms window has passed, but only 100 ms since the finish.
    expect(await subject.tryAcquire(1, 'general')).toBeGreaterThan(0);
    await sleep(120);
    expect(await subject.tryAcquire(1, 'general')).toBe(0);
  });

  it('block refuses slots for the given time', async () => {
    const subject = limiter();
    await subject.block(1, 'general', 5_000);
    const wait = await subject.tryAcquire(1, 'general');
    expect(wait).toBeGreaterThan(4_000);
    expect(await subject.tryAcquire(1, 'search')).toBe(0);
  });

  it('never exceeds the limit in a rolling window under contention', async () => {
    const subject = limiter({ generalPerWindow: 10, windowScale: 0.05 });
    const grantedAt: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        await subject.acquire(3, 'general');
        grantedAt.push(Date.now());
      }),
    );
    grantedAt.sort((a, b) => a - b);
    // Window is 500 ms; allow 20 ms for the gap between Redis's clock and this process's.
    for (let i = 10; i < grantedAt.length; i += 1) {
      expect((grantedAt[i] as number) - (grantedAt[i - 10] as number)).toBeGreaterThanOrEqual(480);
    }
  });
});
