import express from 'express';
import IORedis from 'ioredis';
import request from 'supertest';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { startLocalRedis } from '../redis/local-server';
import type { ScoredHealth } from '../../extensions/app/cards/types';
import {
  createHarness,
  DAY_MS,
  engineResult,
  signRequest,
  type CardsHarness,
} from './test-fixtures';

/** Values of the HubSpot card-request case: GET with the query in HubSpot's order. */
const SECRET = 'test-client-secret-0000';
const PUBLIC_ORIGIN = 'https://api.example.test';
const PORTAL_ID = 1234567;
const TIMESTAMP = 1717243200000;
const CASE_PATH = '/cards/health?portalId=1234567&companyId=42';
const GENUINE_SIGNATURE = 'JblItXF7k7OybwgCMQpIu7Sg0A1Ep695V/nAhHJj9KY=';
const RESORTED_QUERY_SIGNATURE = '0DlppUADJGNa1R6WrDENz9TKJlSVDpj19/AFr+/4Oxw=';
const PATH_ONLY_SIGNATURE = '4ZbAjXWUl3ChoRBF7OYVprn9bnvB9z4h3xYR4HZqA9k=';

/** One second after the request timestamp, as if the request had just arrived. */
let clock = TIMESTAMP + 1000;

let redis: IORedis;
let harness: CardsHarness;

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  await redis.quit();
});

beforeEach(async () => {
  clock = TIMESTAMP + 1000;
  harness = createHarness(redis, uniquePrefix('cards'), {
    publicOrigin: PUBLIC_ORIGIN,
    clientSecret: SECRET,
    now: () => clock,
  });
  await harness.installations.markInstalled(PORTAL_ID, { scopes: ['oauth'] });
});

afterEach(async () => {
  await harness.close();
});

function signedGet(path: string) {
  return request(harness.app)
    .get(path)
    .set(signRequest(SECRET, PUBLIC_ORIGIN, 'GET', path, '', TIMESTAMP));
}

function signedPost(body: string, path = '/cards/health/recompute') {
  return request(harness.app)
    .post(path)
    .set('Content-Type', 'application/json')
    .set(signRequest(SECRET, PUBLIC_ORIGIN, 'POST', path, body, TIMESTAMP))
    .send(body);
}

async function hotMarks(portalId: number): Promise<string[]> {
  return redis.zrange(`${harness.prefix}:rq:${portalId}:hot`, 0, -1);
}

describe('cards router signature check', () => {
  test('accepts the genuine card request', async () => {
    const response = await request(harness.app)
      .get(CASE_PATH)
      .set('X-HubSpot-Signature-v3', GENUINE_SIGNATURE)
      .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    expect(response.status).toBe(200);
    expect(response.body.state).toBe('not_scored');
    expect(response.body.companyId).toBe('42');
  });

  test.each([
    ['a re-sorted query', RESORTED_QUERY_SIGNATURE],
    ['the path without the query', PATH_ONLY_SIGNATURE],
  ])('rejects a signature over %s', async (_variant, signature) => {
    const response = await request(harness.app)
      .get(CASE_PATH)
      .set('X-HubSpot-Signature-v3', signature)
      .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_signature');
    expect(response.body.message).toContain('signature_mismatch');
  });

  test('rejects the genuine signature on a reordered query', async () => {
    const response = await request(harness.app)
      .get('/cards/health?companyId=42&portalId=1234567')
      .set('X-HubSpot-Signature-v3', GENUINE_SIGNATURE)
      .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    expect(response.status).toBe(401);
  });

  test('rejects missing headers', async () => {
    const noSignature = await request(harness.app)
      .get(CASE_PATH)
      .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    expect(noSignature.status).toBe(401);
    expect(noSignature.body.message).toContain('missing_signature');

    const noTimestamp = await request(harness.app)
      .get(CASE_PATH)
      .set('X-HubSpot-Signature-v3', GENUINE_SIGNATURE);
    expect(noTimestamp.status).toBe(401);
    expect(noTimestamp.body.message).toContain('missing_timestamp');
  });

  test('rejects a timestamp over 5 minutes old', async () => {
    clock = TIMESTAMP + 5 * 60 * 1000 + 1;
    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(401);
    expect(response.body.message).toContain('expired_timestamp');
  });

  test('rejects a wrong client secret', async () => {
    const response = await request(harness.app)
      .get(CASE_PATH)
      .set(signRequest('another-secret-1111', PUBLIC_ORIGIN, 'GET', CASE_PATH, '', TIMESTAMP));
    expect(response.status).toBe(401);
  });

  test('logs rejections once per reason without the signature', async () => {
    for (let i = 0; i < 3; i += 1) {
      await request(harness.app)
        .get(CASE_PATH)
        .set('X-HubSpot-Signature-v3', RESORTED_QUERY_SIGNATURE)
        .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    }
    const warnings = harness
      .logLines()
      .filter((line) => line.msg === 'rejected a card request with an invalid HubSpot signature');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.reason).toBe('signature_mismatch');
    expect(warnings[0]?.path).toBe('/health');
    expect(JSON.stringify(harness.logLines())).not.toContain(RESORTED_QUERY_SIGNATURE);
  });
});

describe('GET /cards/health', () => {
  const computedAt = Date.parse('2026-12-04T10:00:00.000Z');
  const properties = {
    usage_events_7d: '120',
    licensed_seats: '40',
    notes_last_contacted: '2026-11-20T00:00:00.000Z',
  };

  test('returns the stored result as the scored state', async () => {
    // Scored 8 and 3 days earlier with 60 and 70; the 7-day baseline is the 60.
    const history: [number, number][] = [
      [computedAt - 8 * DAY_MS, 60],
      [computedAt - 3 * DAY_MS, 70],
    ];
    const stored = engineResult('42', properties, computedAt, history);
    await harness.results.saveResults(PORTAL_ID, [stored], new Map());

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const health = response.body as ScoredHealth;
    expect(health.state).toBe('scored');
    expect(health.portalId).toBe(PORTAL_ID);
    expect(health.companyId).toBe('42');
    expect(health.score).toBe(stored.score);
    expect(health.status).toBe(stored.status);
    expect(health.change7d).toBe(stored.score - 60);
    expect(health.change30d).toBeNull();
    expect(health.coverage).toBe(80);
    expect(health.workspace).toBe('default');
    expect(health.configVersion).toBe(1);
    expect(health.computedAt).toBe('2026-12-04T10:00:00.000Z');
    expect(health.recomputePending).toBe(false);
    expect(health.drivers).toEqual(stored.result.drivers);
    expect(health.history).toEqual([
      { at: '2026-11-26T10:00:00.000Z', score: 60 },
      { at: '2026-12-01T10:00:00.000Z', score: 70 },
      { at: '2026-12-04T10:00:00.000Z', score: stored.score },
    ]);
  });

  test('returns the expansion signals with reasons', async () => {
    const stored = engineResult(
      '42',
      { ...properties, seats_used: '38', premium_features_used: '3' },
      computedAt,
    );
    await harness.results.saveResults(PORTAL_ID, [stored], new Map());

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    const health = response.body as ScoredHealth;
    expect(health.expansionSignals).toEqual([
      {
        kind: 'seat_limit',
        label: 'Near seat limit',
        reason: 'Uses 38 of 40 licensed seats (95%)',
      },
      {
        kind: 'premium_features',
        label: 'Uses premium features',
        reason: 'Uses 3 premium features',
      },
    ]);
  });

  test('shows no signals for an older stored result', async () => {
    const { expansionSignals, ...older } = engineResult('42', properties, computedAt);
    expect(expansionSignals).toEqual([]);
    await harness.results.saveResults(PORTAL_ID, [older], new Map());

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    expect((response.body as ScoredHealth).expansionSignals).toEqual([]);
  });

  test('describes each metric in plain words', async () => {
    const stored = engineResult('42', properties, computedAt);
    await harness.results.saveResults(PORTAL_ID, [stored], new Map());

    const health = (await signedGet(CASE_PATH)).body as ScoredHealth;
    expect(health.breakdown.map((row) => row.metricId)).toEqual([
      'usage_per_seat',
      'nps',
      'open_tickets',
      'last_contact',
    ]);
    const [usage, nps, tickets] = health.breakdown;
    expect(usage?.rawText).toBe('Usage 3 events per seat this week');
    expect(usage?.missing).toBeNull();
    expect(usage?.weight).toBe(45);
    expect(usage?.effectiveWeight).toBe(56.25);
    expect(tickets?.rawText).toBe('1 open ticket (1 high priority)');
    expect(tickets?.pointsEarned).toBe(20);
    expect(tickets?.pointsLost).toBe(5);
    expect(nps?.rawText).toBe('No data');
    expect(nps?.normalised).toBeNull();
    expect(nps?.missing).toBe(
      'no NPS answer in the last 365 days as of 2026-12-04; ' +
        'left out, its weight spread over the other metrics',
    );
  });

  test('reports a queued or running recompute', async () => {
    await harness.results.saveResults(
      PORTAL_ID,
      [engineResult('42', properties, computedAt)],
      new Map(),
    );
    await harness.queue.markCompanies(PORTAL_ID, ['42'], 'webhook');
    expect((await signedGet(CASE_PATH)).body.recomputePending).toBe(true);

    // A worker claims the company: it leaves the hot set and is in flight.
    const schedule = await harness.queue.marks.schedule(PORTAL_ID);
    expect(schedule).toBeDefined();
    const jobId = schedule?.jobId ?? '';
    expect(await harness.queue.marks.begin(PORTAL_ID, jobId)).toBe(true);
    const claimed = await harness.queue.marks.claimCompanies(PORTAL_ID, jobId, 100);
    expect(claimed?.map((item) => item.companyId)).toEqual(['42']);
    expect(await hotMarks(PORTAL_ID)).toEqual([]);
    expect((await signedGet(CASE_PATH)).body.recomputePending).toBe(true);

    await harness.queue.marks.finish(PORTAL_ID, jobId);
    expect((await signedGet(CASE_PATH)).body.recomputePending).toBe(false);
  });

  test('reports first-scoring progress when not scored', async () => {
    await harness.progress.start(PORTAL_ID, 'install', new Date(computedAt));
    await harness.progress.finishListing(PORTAL_ID, 500);
    await harness.results.saveResults(
      PORTAL_ID,
      [engineResult('7', properties, computedAt + 1000)],
      new Map(),
    );

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      state: 'not_scored',
      portalId: PORTAL_ID,
      companyId: '42',
      recomputePending: false,
      backfill: { done: 1, total: 500 },
    });
  });

  test('omits progress once the first scoring is over', async () => {
    await harness.progress.start(PORTAL_ID, 'install', new Date(computedAt));
    await harness.progress.fail(PORTAL_ID, 'search failed', new Date(computedAt + 1000));
    const response = await signedGet(CASE_PATH);
    expect(response.body.backfill).toBeNull();
  });

  test('reports a revoked installation with the reinstall link', async () => {
    await harness.results.saveResults(
      PORTAL_ID,
      [engineResult('42', properties, computedAt)],
      new Map(),
    );
    expect(await harness.installations.markDisconnected(PORTAL_ID, 'invalid_grant')).toBe(true);

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'revoked',
      reinstallUrl: 'https://api.example.test/oauth/install',
    });
  });

  test.each([
    ['never installed', async () => undefined],
    ['uninstalled', async () => harness.installations.markUninstalled(7654321)],
  ])('reports a portal %s as not installed', async (_label, prepare) => {
    await prepare();
    const path = '/cards/health?portalId=7654321&companyId=42';
    const response = await signedGet(path);
    expect(response.status).toBe(200);
    expect(response.body.state).toBe('disconnected');
    expect(response.body.reason).toBe('not_installed');
  });

  test.each([
    ['/cards/health?companyId=42', 'portalId is missing'],
    ['/cards/health?portalId=abc&companyId=42', 'portalId "abc" is invalid'],
    ['/cards/health?portalId=1234567&companyId=0', 'companyId "0" is invalid'],
    ['/cards/health?portalId=1234567&companyId=42&companyId=43', 'companyId must be given once'],
  ])('rejects the query of %s', async (path, message) => {
    const response = await signedGet(path);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.body.message).toContain(message);
  });

  test('accepts parameters HubSpot appends', async () => {
    const path = '/cards/health?portalId=1234567&companyId=42&appId=555&portalId=1234567';
    const response = await signedGet(path);
    expect(response.status).toBe(200);
    expect(response.body.state).toBe('not_scored');
  });

  test('rejects a stored result of another shape', async () => {
    await redis.hset(`${harness.prefix}:rc:${PORTAL_ID}:last`, '42', JSON.stringify({ score: 1 }));
    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(500);
    expect(response.body.error).toBe('invalid_stored_result');
    expect(response.body.message).toContain('company 42 in portal 1234567');
    const errors = harness.logLines().filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.companyId).toBe('42');
  });

  test('keeps the payload far below 1 MB', async () => {
    const stored = engineResult('42', properties, computedAt);
    const longText = 'x'.repeat(500);
    stored.result.drivers = Array.from({ length: 50 }, () => longText);
    stored.result.breakdown = Array.from({ length: 50 }, (_, index) => ({
      ...stored.result.breakdown[0]!,
      metricId: `metric_${index}`,
      description: longText,
    }));
    stored.history = Array.from({ length: 5000 }, (_, index) => [
      computedAt - (5000 - index) * 3_600_000,
      50,
    ]);
    await harness.results.saveResults(PORTAL_ID, [stored], new Map());

    const response = await signedGet(CASE_PATH);
    expect(response.status).toBe(200);
    const health = response.body as ScoredHealth;
    expect(health.drivers).toHaveLength(5);
    expect(health.breakdown).toHaveLength(20);
    expect(health.history).toHaveLength(400);
    expect(response.text.length).toBeLessThan(64 * 1024);
  });
});

describe('POST /cards/health/recompute', () => {
  const body = JSON.stringify({ portalId: PORTAL_ID, companyId: '42' });

  test('marks the company hot and adds one job', async () => {
    const response = await signedPost(body);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ state: 'queued', alreadyQueued: false });
    expect(await hotMarks(PORTAL_ID)).toEqual(['42']);
    const schedule = await harness.queue.marks.schedule(PORTAL_ID);
    expect(schedule?.workClass).toBe('hot');
    const job = await harness.queue.queue.getJob(schedule?.jobId ?? '');
    expect(job?.data).toEqual({ portalId: PORTAL_ID });
    const info = harness.logLines().find((line) => line.msg === 'card requested a recompute');
    expect(info).toMatchObject({ portalId: PORTAL_ID, companyId: '42', alreadyQueued: false });
  });

  test('treats a retried request as one mark', async () => {
    expect((await signedPost(body)).status).toBe(202);
    const retry = await signedPost(body);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ state: 'queued', alreadyQueued: true });
    expect(await hotMarks(PORTAL_ID)).toEqual(['42']);
    const counts = await harness.queue.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0)).toBe(1);
  });

  test('accepts a numeric company id', async () => {
    const response = await signedPost(JSON.stringify({ portalId: PORTAL_ID, companyId: 42 }));
    expect(response.status).toBe(202);
    expect(await hotMarks(PORTAL_ID)).toEqual(['42']);
  });

  test('answers 409 for a disconnected portal', async () => {
    await harness.installations.markDisconnected(PORTAL_ID, 'invalid_grant');
    const response = await signedPost(body);
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'revoked',
      reinstallUrl: 'https://api.example.test/oauth/install',
    });
    expect(await hotMarks(PORTAL_ID)).toEqual([]);
  });

  test('rejects a body changed after signing', async () => {
    const tampered = JSON.stringify({ portalId: PORTAL_ID, companyId: '43' });
    const response = await request(harness.app)
      .post('/cards/health/recompute')
      .set('Content-Type', 'application/json')
      .set(signRequest(SECRET, PUBLIC_ORIGIN, 'POST', '/cards/health/recompute', body, TIMESTAMP))
      .send(tampered);
    expect(response.status).toBe(401);
    expect(await hotMarks(PORTAL_ID)).toEqual([]);
  });

  test.each([
    ['{"portalId":"1234567","companyId":"42"}', 'portalId "1234567" is invalid'],
    ['{"portalId":1234567,"companyId":"abc"}', 'companyId "abc" is invalid'],
    ['{"portalId":1234567}', 'companyId null is invalid'],
    ['not json', 'The body must be JSON'],
    ['', 'The body must be JSON'],
  ])('rejects the body %s', async (text, message) => {
    const response = await signedPost(text);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.body.message).toContain(message);
    expect(await hotMarks(PORTAL_ID)).toEqual([]);
  });

  test('rejects a body over 4 KB', async () => {
    const large = JSON.stringify({
      portalId: PORTAL_ID,
      companyId: '42',
      padding: 'x'.repeat(5000),
    });
    const response = await signedPost(large);
    expect(response.status).toBe(413);
    expect(response.body.message).toBe('The request body is larger than 4096 bytes.');
  });
});

describe('cards router failures', () => {
  test('answers 500 when a body parser ran first', async () => {
    const prefix = uniquePrefix('cards-parsed');
    const parsed = createHarness(
      redis,
      prefix,
      { publicOrigin: PUBLIC_ORIGIN, clientSecret: SECRET, now: () => clock },
      (app, router) => {
        app.use(express.json());
        app.use('/cards', router);
      },
    );
    try {
      const body = JSON.stringify({ portalId: PORTAL_ID, companyId: '42' });
      const response = await request(parsed.app)
        .post('/cards/health/recompute')
        .set('Content-Type', 'application/json')
        .set(signRequest(SECRET, PUBLIC_ORIGIN, 'POST', '/cards/health/recompute', body, TIMESTAMP))
        .send(body);
      expect(response.status).toBe(500);
      expect(response.body.error).toBe('misconfigured');
      const errors = parsed.logLines().filter((line) => line.level === 50);
      expect(errors[0]?.msg).toContain('mount the cards router before any body parser');
    } finally {
      await parsed.close();
    }
  });

  test('answers 503 quickly when Redis is down', async () => {
    // A private redis-server that is stopped after the stores connect, with the offline queue
    // off as in the web process, so commands fail at once instead of waiting for a reconnect.
    const server = await startLocalRedis();
    const connection = new IORedis(server.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: null,
    });
    connection.on('error', () => {});
    const broken = createHarness(connection, uniquePrefix('cards-down'), {
      publicOrigin: PUBLIC_ORIGIN,
      clientSecret: SECRET,
      now: () => clock,
    });
    const caseRequest = () =>
      request(broken.app)
        .get(CASE_PATH)
        .set('X-HubSpot-Signature-v3', GENUINE_SIGNATURE)
        .set('X-HubSpot-Request-Timestamp', String(TIMESTAMP));
    try {
      await new Promise((resolve) => connection.once('ready', resolve));
      await broken.installations.markInstalled(PORTAL_ID, { scopes: ['oauth'] });
      expect((await caseRequest()).status).toBe(200);

      // The GET reads the queue's Redis keys only. Closing the BullMQ queue while Redis is up
      // keeps BullMQ's reconnect timers from outliving the test.
      await broken.close();
      const closed = new Promise((resolve) => connection.once('close', resolve));
      await server.stop();
      await closed;
      const started = Date.now();
      const response = await caseRequest();
      expect(response.status).toBe(503);
      expect(response.body.error).toBe('store_unavailable');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      connection.disconnect();
      await server.stop();
    }
  });
});
