import express from 'express';
import IORedis from 'ioredis';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { createLogger } from '../../src/log';
import { startLocalRedis } from '../../src/redis/local-server';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { connectRedis } from '../queue/connection';
import { RecomputeQueue } from '../queue/queue';
import { canaryKey, processCanaryJob } from '../queue/schedules';
import { metricsSnapshotsKey } from './metrics-share';
import { webhookEventsTotal } from './metrics';
import { createOpsRouter } from './router';

const logger = createLogger({ level: 'silent' });
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

describe('ops routes', () => {
  let redis: IORedis;
  let prefix: string;
  let queue: RecomputeQueue;
  let app: express.Express;

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('ops');
    queue = new RecomputeQueue({ connection: redis, prefix, logger });
    app = express();
    app.use(createOpsRouter({ redis, prefix, queue, adminToken: ADMIN_TOKEN, logger }));
  });

  afterEach(async () => {
    await queue.queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  test('healthz answers while the process runs', async () => {
    const response = await request(app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
  });

  test('readyz fails until a worker ran the canary', async () => {
    const before = await request(app).get('/readyz');
    expect(before.status).toBe(503);
    expect(before.body.checks.redis).toBe('ok');
    expect(before.body.checks.worker).toContain('no worker');

    await processCanaryJob({ redis, prefix });
    const after = await request(app).get('/readyz');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: 'ready', checks: { redis: 'ok', worker: 'ok' } });
  });

  test('readyz fails when the canary is old', async () => {
    await redis.set(canaryKey(prefix), String(Date.now() - 120_000));
    const response = await request(app).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body.checks.worker).toContain('120 s ago');
  });

  test('metrics include intake counters and queue gauges', async () => {
    webhookEventsTotal.inc({ outcome: 'queued' }, 3);
    await queue.markCompanies(1234567, ['42', '43'], 'webhook');
    await queue.markCompanies(1234567, ['50'], 'backfill');
    const response = await request(app).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toMatch(/cs_health_webhook_events_total\{outcome="queued"\} \d+/);
    expect(response.text).toContain('cs_health_queue_companies{portal="1234567",set="hot"} 2');
    expect(response.text).toContain('cs_health_queue_companies{portal="1234567",set="cold"} 1');
    expect(response.text).toMatch(/cs_health_queue_lag_seconds\{portal="1234567"\} [\d.]+/);
    expect(response.text).toContain('cs_health_queue_jobs{state="prioritized"} 1');
  });

  test('metrics merge fresh worker snapshots', async () => {
    const workerRegistry = new Registry();
    const recomputes = new Counter({
      name: 'cs_health_test_worker_recomputes_total',
      help: 'a counter published by another process',
      registers: [workerRegistry],
    });
    recomputes.inc(7);
    const fresh = { at: Date.now(), metrics: await workerRegistry.getMetricsAsJSON() };
    const stale = {
      at: Date.now() - 10 * 60_000,
      metrics: await workerRegistry.getMetricsAsJSON(),
    };
    await redis.hset(metricsSnapshotsKey(prefix), 'worker-a', JSON.stringify(fresh));
    await redis.hset(metricsSnapshotsKey(prefix), 'worker-b', JSON.stringify(fresh));
    await redis.hset(metricsSnapshotsKey(prefix), 'worker-gone', JSON.stringify(stale));

    const response = await request(app).get('/metrics');
    expect(response.text).toContain('cs_health_test_worker_recomputes_total 14');
    expect(await redis.hkeys(metricsSnapshotsKey(prefix))).toEqual(
      expect.not.arrayContaining(['worker-gone']),
    );
  });

  test('dashboard needs the admin token', async () => {
    const response = await request(app).get('/admin/queues');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Basic');
    const wrong = await request(app).get('/admin/queues').set('Authorization', 'Bearer nope');
    expect(wrong.status).toBe(401);
  });

  test('dashboard opens with a bearer token', async () => {
    const response = await request(app)
      .get('/admin/queues')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.text).toContain('<base href="/admin/queues/"');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
  });

  test('dashboard API lists the queue with Basic auth', async () => {
    await queue.markCompanies(1234567, ['42'], 'webhook');
    const basic = Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64');
    const response = await request(app)
      .get('/admin/queues/api/queues')
      .set('Authorization', `Basic ${basic}`);
    expect(response.status).toBe(200);
    const names = (response.body.queues as { name: string }[]).map((item) => item.name);
    expect(names).toEqual(['cs-health-recompute']);
  });
});

describe('ops routes without Redis', () => {
  test('readyz answers 503 quickly when Redis is down', async () => {
    const server = await startLocalRedis();
    const redis = await connectRedis(server.url, 'web');
    const prefix = uniquePrefix('ops-down');
    const queue = new RecomputeQueue({ connection: redis, prefix, logger });
    const app = express();
    app.use(createOpsRouter({ redis, prefix, queue, adminToken: ADMIN_TOKEN, logger }));
    await server.stop();

    const started = Date.now();
    const response = await request(app).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body.status).toBe('not_ready');
    expect(Date.now() - started).toBeLessThan(2000);
    const metrics = await request(app).get('/metrics');
    expect(metrics.status).toBe(503);
    redis.disconnect();
  });
});
