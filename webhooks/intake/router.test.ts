import express from 'express';
import IORedis from 'ioredis';
import request from 'supertest';
import { createLogger } from '../../src/log';
import { startLocalRedis, type LocalRedis } from '../../src/redis/local-server';
import { InstallationStore } from '../../src/store/installations';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { connectRedis } from '../queue/connection';
import { RecomputeQueue } from '../queue/queue';
import { createWebhookIntake } from './router';
import { computeSignatureV3 } from './signature';

const SECRET = 'test-client-secret-0000';
const ORIGIN = 'https://hooks.example.test';
const TIMESTAMP = '1717243200000';
const NOW = 1717243201000;
const PORTAL = 1234567;
const UNINSTALLED_PORTAL = 7654321;

const TRIMMED_SPACE_BODY =
  '[{"eventId":101,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243190000,"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,"propertyName":"name","propertyValue":"Acme Corp ","changeSource":"CRM_UI"}]';
const PROXY_BODY =
  '[{"eventId":202,"subscriptionId":9001,"portalId":1234567,"appId":555,"occurredAt":1717243195000,"subscriptionType":"company.propertyChange","attemptNumber":0,"objectId":42,"propertyName":"annualrevenue","propertyValue":"50000","changeSource":"API"}]';
const PROXY_PATH = '/hubspot/webhooks?src=hs&next=%2Fcards%3Fid%3D7';

const logger = createLogger({ level: 'silent' });

function sign(path: string, body: string, timestamp = TIMESTAMP): Record<string, string> {
  return {
    // Only plain paths are signed here, so the URI needs no escape decoding.
    'X-HubSpot-Signature-v3': computeSignatureV3(SECRET, 'POST', ORIGIN + path, body, timestamp),
    'X-HubSpot-Request-Timestamp': timestamp,
    'Content-Type': 'application/json',
  };
}

interface Harness {
  app: express.Express;
  redis: IORedis;
  queue: RecomputeQueue;
  installations: InstallationStore;
  prefix: string;
}

async function harness(redis: IORedis, options: { deadlineMs?: number } = {}): Promise<Harness> {
  const prefix = uniquePrefix('intake');
  const queue = new RecomputeQueue({ connection: redis, prefix, logger });
  const installations = new InstallationStore({ redis, prefix });
  await installations.markInstalled(PORTAL, { scopes: ['oauth'] });
  const intake = createWebhookIntake({
    signature: { clientSecret: SECRET, publicOrigin: ORIGIN, now: () => NOW },
    queue,
    installations,
    logger,
    ...(options.deadlineMs ? { redisDeadlineMs: options.deadlineMs } : {}),
  });
  const app = express();
  app.use(intake.router);
  return { app, redis, queue, installations, prefix };
}

async function waitingCompanies(h: Harness, portalId = PORTAL): Promise<string[]> {
  return h.redis.zrange(`${h.prefix}:rq:${portalId}:hot`, 0, -1);
}

async function recomputeJobs(h: Harness): Promise<number> {
  const counts = await h.queue.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

describe('webhook intake', () => {
  let redis: IORedis;
  let h: Harness;

  beforeEach(async () => {
    redis = testRedis();
    h = await harness(redis);
  });

  afterEach(async () => {
    await h.queue.queue.obliterate({ force: true });
    await h.queue.close();
    await redis.quit();
  });

  test('raw body signature is accepted and queued', async () => {
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set({
        'X-HubSpot-Signature-v3': 'ZNlKHYBbSwYm11QrRFDVNv+qPMOvop1skMP1euFvkow=',
        'X-HubSpot-Request-Timestamp': TIMESTAMP,
        'Content-Type': 'application/json',
      })
      .send(TRIMMED_SPACE_BODY);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', received: 1, queued: 1 });
    expect(await waitingCompanies(h)).toEqual(['42']);
    expect(await recomputeJobs(h)).toBe(1);
  });

  test('one changed byte gets 401 and queues nothing', async () => {
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set({
        'X-HubSpot-Signature-v3': 'ZNlKHYBbSwYm11QrRFDVNv+qPMOvop1skMP1euFvkow=',
        'X-HubSpot-Request-Timestamp': TIMESTAMP,
        'Content-Type': 'application/json',
      })
      .send(TRIMMED_SPACE_BODY.replace('Acme Corp ', 'Acme Corp'));
    expect(response.status).toBe(401);
    expect(response.body.message).toContain('signature_mismatch');
    expect(await waitingCompanies(h)).toEqual([]);
    expect(await recomputeJobs(h)).toBe(0);
  });

  test('behind a proxy the public origin is signed', async () => {
    const response = await request(h.app)
      .post(PROXY_PATH)
      .set({
        Host: '10.0.0.5:3000',
        'X-Forwarded-Proto': 'http',
        'X-HubSpot-Signature-v3': 'V/FiS4crglyN5qSFAYGJD7X5P9/3GJzGtVFH9VrW/xM=',
        'X-HubSpot-Request-Timestamp': TIMESTAMP,
        'Content-Type': 'application/json',
      })
      .send(PROXY_BODY);
    expect(response.status).toBe(200);
    expect(await waitingCompanies(h)).toEqual(['42']);
  });

  test.each([
    ['raw encoded URI', 'k/MedWmeZz2bPPCqym0KAVIXvSsYpAXLrQFoMtpFnhM='],
    ['fully decoded URI', 'yPvaGU6MajerQhfql9Gvny6+8MCy9mUfnT7zke1YWHU='],
    ['internal http host', 'yI9S73tvdc7lZS4mM4wKfGm2pVksvDMdtmFCdUsbWFQ='],
  ])('signature over the %s gets 401', async (_mistake, signature) => {
    const response = await request(h.app)
      .post(PROXY_PATH)
      .set({
        Host: '10.0.0.5:3000',
        'X-HubSpot-Signature-v3': signature,
        'X-HubSpot-Request-Timestamp': TIMESTAMP,
        'Content-Type': 'application/json',
      })
      .send(PROXY_BODY);
    expect(response.status).toBe(401);
    expect(await recomputeJobs(h)).toBe(0);
  });

  test('stale timestamp gets 401', async () => {
    const old = String(NOW - 301_000);
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', TRIMMED_SPACE_BODY, old))
      .send(TRIMMED_SPACE_BODY);
    expect(response.status).toBe(401);
    expect(response.body.message).toContain('expired_timestamp');
  });

  test('malformed batch gets 400 naming the problem', async () => {
    const body = '[{"portalId":"1234567","subscriptionType":"company.creation"}]';
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', body))
      .send(body);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('0.portalId');
    expect(response.body.message).toContain('0.occurredAt');
  });

  test('invalid JSON gets 400', async () => {
    const body = '[{"portalId":';
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', body))
      .send(body);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('not valid JSON');
  });

  test('more than 100 events gets 400', async () => {
    const events = Array.from({ length: 101 }, (_, index) => ({
      eventId: index,
      portalId: PORTAL,
      occurredAt: 1717243190000,
      subscriptionType: 'company.creation',
      objectId: index + 1,
    }));
    const body = JSON.stringify(events);
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', body))
      .send(body);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('at most 100');
    expect(await recomputeJobs(h)).toBe(0);
  });

  test('events of unknown and disconnected portals are acknowledged only', async () => {
    await h.installations.markInstalled(UNINSTALLED_PORTAL, { scopes: ['oauth'] });
    await h.installations.markDisconnected(UNINSTALLED_PORTAL, 'refresh token revoked');
    const body = JSON.stringify([
      {
        eventId: 1,
        portalId: UNINSTALLED_PORTAL,
        occurredAt: 1717243190000,
        subscriptionType: 'company.creation',
        objectId: 1,
      },
      {
        eventId: 2,
        portalId: 999,
        occurredAt: 1717243190000,
        subscriptionType: 'company.creation',
        objectId: 2,
      },
    ]);
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', body))
      .send(body);
    expect(response.status).toBe(200);
    expect(response.body.queued).toBe(0);
    expect(await waitingCompanies(h, UNINSTALLED_PORTAL)).toEqual([]);
    expect(await waitingCompanies(h, 999)).toEqual([]);
    expect(await recomputeJobs(h)).toBe(0);
  });

  test('duplicate and reordered batch gives one job per portal', async () => {
    const events = [
      {
        eventId: 301,
        portalId: PORTAL,
        occurredAt: 1717243195000,
        subscriptionType: 'company.propertyChange',
        attemptNumber: 0,
        objectId: 42,
        propertyName: 'annualrevenue',
        propertyValue: '50000',
      },
      {
        eventId: 302,
        portalId: PORTAL,
        occurredAt: 1717243190000,
        subscriptionType: 'company.propertyChange',
        attemptNumber: 0,
        objectId: 42,
        propertyName: 'annualrevenue',
        propertyValue: '40000',
      },
      {
        eventId: 303,
        portalId: PORTAL,
        occurredAt: 1717243191000,
        subscriptionType: 'company.creation',
        attemptNumber: 0,
        objectId: 77,
      },
    ];
    const first = JSON.stringify([...events, events[0]]);
    const retry = JSON.stringify(
      [...events, events[0]].map((event) => ({ ...event, attemptNumber: 1 })),
    );
    const started = Date.now();
    const firstDelivery = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', first))
      .send(first);
    const redelivery = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', retry))
      .send(retry);
    expect(firstDelivery.status).toBe(200);
    expect(redelivery.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await waitingCompanies(h)).sort()).toEqual(['42', '77']);
    expect(await recomputeJobs(h)).toBe(1);
  });

  test('stopped intake answers 503', async () => {
    const intake = createWebhookIntake({
      signature: { clientSecret: SECRET, publicOrigin: ORIGIN, now: () => NOW },
      queue: h.queue,
      installations: h.installations,
      logger,
    });
    const app = express();
    app.use(intake.router);
    intake.stop();
    const response = await request(app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', TRIMMED_SPACE_BODY))
      .send(TRIMMED_SPACE_BODY);
    expect(response.status).toBe(503);
  });
});

describe('webhook intake without Redis', () => {
  let server: LocalRedis;
  let redis: IORedis;

  beforeAll(async () => {
    server = await startLocalRedis();
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  test('answers 503 within 2 s when Redis stops', async () => {
    // The web process's settings: fail at once while disconnected, bound every command.
    redis = await connectRedis(server.url, 'web');
    const h = await harness(redis);
    await h.queue.queue.waitUntilReady();
    await server.stop();

    const started = Date.now();
    const response = await request(h.app)
      .post('/hubspot/webhooks')
      .set(sign('/hubspot/webhooks', TRIMMED_SPACE_BODY))
      .send(TRIMMED_SPACE_BODY);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(503);
    expect(response.body.message).toContain('retry later');
    expect(elapsed).toBeLessThan(2000);
  });

  test('answers 503 within 2 s when Redis hangs', async () => {
    // A second server that accepts connections but is paused, so commands never return.
    const paused = await startLocalRedis();
    // No commandTimeout here, so only the intake's own deadline can end the request.
    const client = new IORedis(paused.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve) => client.once('ready', resolve));
    const h = await harness(client, { deadlineMs: 1500 });
    await h.queue.queue.waitUntilReady();
    try {
      process.kill(paused.pid, 'SIGSTOP');
      const started = Date.now();
      const response = await request(h.app)
        .post('/hubspot/webhooks')
        .set(sign('/hubspot/webhooks', TRIMMED_SPACE_BODY))
        .send(TRIMMED_SPACE_BODY);
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      process.kill(paused.pid, 'SIGCONT');
      client.disconnect();
      await paused.stop();
    }
  });
});
