import express from 'express';
import type IORedis from 'ioredis';
import request from 'supertest';
import { createLogger } from '../../src/log';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { RecomputeStore } from '../recompute/store';
import { ProgressStore } from './progress';
import { scoringAdminRouter } from './routes';

describe('scoringAdminRouter', () => {
  let redis: IORedis;
  let app: express.Express;
  let progress: ProgressStore;
  let results: RecomputeStore;

  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    const prefix = uniquePrefix('scoring-routes');
    results = new RecomputeStore(redis, prefix);
    progress = new ProgressStore(redis, prefix, results);
    app = express();
    app.use(scoringAdminRouter({ progress, results, logger: createLogger({ level: 'silent' }) }));
  });

  test('returns progress, stats and failures', async () => {
    await progress.start(42, 'install', new Date('2026-01-01T00:00:00Z'));
    await progress.finishListing(42, 3);
    await results.addStats(42, { recomputes: 2 });
    await results.recordFailures(
      42,
      [{ companyId: '7', message: 'bad value', category: 'VALIDATION_ERROR' }],
      new Date(),
    );

    const response = await request(app).get('/portals/42/scoring');
    expect(response.status).toBe(200);
    expect(response.body.progress.state).toBe('scoring');
    expect(response.body.progress.total).toBe(3);
    expect(response.body.progress.failed).toBe(1);
    expect(response.body.stats.recomputes).toBe(2);
    expect(response.body.failedCount).toBe(1);
    expect(response.body.failed[0]).toMatchObject({ companyId: '7', category: 'VALIDATION_ERROR' });
  });

  test('null progress before any run', async () => {
    const response = await request(app).get('/portals/43/scoring');
    expect(response.status).toBe(200);
    expect(response.body.progress).toBeNull();
  });

  test('invalid portal id rejected', async () => {
    const response = await request(app).get('/portals/abc/scoring');
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('invalid portal id "abc": expected a positive integer');
  });
});
