import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Writable } from 'node:stream';

import { createLogger } from '../../src/log';
import type { ChangeEvent } from '../store/changes';
import {
  startWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './dispatcher';
import type { WebhookFaults } from './portal-queue';
import { MemoryChangeFeed } from './testing/memory-feed';
import {
  hasValidSignature,
  startReceiver,
  type ReceiverReply,
  type ReceivedRequest,
  type WebhookReceiver,
} from './testing/receiver';
import { seededRandom } from './testing/seeded-random';

const SECRET = 'test-client-secret-0000';
const APP_ID = 555;
const PORTAL = 1234567;
const OTHER_PORTAL = 7654321;
const FLUSH_DEADLINE_MS = 10_000;

const NO_FAULTS: WebhookFaults = {
  webhookDuplicateRate: 0,
  webhookReorder: false,
  webhookFailureRate: 0,
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(reply?: (request: ReceivedRequest) => ReceiverReply) {
  const started = await startReceiver(reply);
  cleanups.push(() => started.close());
  return started;
}

function dispatcher(
  target: WebhookReceiver | string | undefined,
  options: Partial<WebhookDispatcherOptions> = {},
): { feed: MemoryChangeFeed; webhooks: WebhookDispatcher } {
  const feed = new MemoryChangeFeed();
  const targetUrl = typeof target === 'object' ? target.url() : target;
  const webhooks = startWebhookDispatcher({
    changes: feed,
    app: { appId: APP_ID, clientSecret: SECRET, ...(targetUrl && { targetUrl }) },
    random: seededRandom(7),
    logger: false,
    ...options,
    delivery: { flushIntervalMs: 20, retryBaseMs: 10, timeoutMs: 2000, ...options.delivery },
  });
  cleanups.push(() => webhooks.stop());
  return { feed, webhooks };
}

function companyCreated(id: number, portalId = PORTAL): ChangeEvent {
  return {
    portalId,
    objectType: 'companies',
    objectId: String(id),
    kind: 'creation',
    occurredAt: 1717243195000 + id,
    changeSource: 'API',
  };
}

function emitCompanies(feed: MemoryChangeFeed, count: number, portalId = PORTAL): void {
  for (let id = 1; id <= count; id++) feed.emit(companyCreated(id, portalId));
}

function eventIds(requests: ReceivedRequest[]): number[] {
  return requests.flatMap((request) => request.events.map((event) => event.eventId));
}

function attemptNumbers(requests: ReceivedRequest[]): number[] {
  return requests.map((request) => request.events[0]?.attemptNumber ?? -1);
}

describe('startWebhookDispatcher', () => {
  test('signs requests over the target URI', async () => {
    const server = await receiver();
    const targetUrl = server.url('/hubspot/webhooks?src=hs&next=%2Fcards%3Fid%3D7');
    const { feed, webhooks } = dispatcher(targetUrl);
    const before = Date.now();

    emitCompanies(feed, 3);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests as [ReceivedRequest];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hubspot/webhooks?src=hs&next=%2Fcards%3Fid%3D7');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('HubSpot Connect 2.0 (http://dev.hubspot.com/)');
    const timestamp = Number(request.headers['x-hubspot-request-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
    // HubSpot's validation rules decode %2F and %3F but keep %3D.
    const signedUri = server.url('/hubspot/webhooks?src=hs&next=/cards?id%3D7');
    expect(hasValidSignature(request, SECRET, signedUri)).toBe(true);
    expect(hasValidSignature(request, SECRET, targetUrl)).toBe(false);
    const tampered = { ...request, body: request.body.replace('"API"', '"CRM_UI"') };
    expect(hasValidSignature(tampered, SECRET, signedUri)).toBe(false);
    expect(hasValidSignature(request, 'another-secret', signedUri)).toBe(false);
  });

  test('sends HubSpot event fields', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server);

    feed.emit({ ...companyCreated(42), sourceId: 'userId:9' });
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const subscriptionId = webhooks.subscriptions.find(
      (s) => s.subscriptionType === 'company.creation',
    )?.subscriptionId;
    expect(server.requests[0]?.events).toEqual([
      {
        eventId: 1,
        subscriptionId,
        portalId: PORTAL,
        appId: APP_ID,
        occurredAt: 1717243195042,
        subscriptionType: 'company.creation',
        attemptNumber: 0,
        objectId: 42,
        changeSource: 'API',
        sourceId: 'userId:9',
        changeFlag: 'NEW',
      },
    ]);
  });

  test('batches a burst into one request', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, { delivery: { flushIntervalMs: 50 } });

    emitCompanies(feed, 5);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests).toHaveLength(1);
    expect(eventIds(server.requests)).toEqual([1, 2, 3, 4, 5]);
  });

  test('caps requests at 100 events', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server);

    emitCompanies(feed, 250);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests.map((r) => r.events.length)).toEqual([100, 100, 50]);
    expect(new Set(eventIds(server.requests)).size).toBe(250);
    expect(webhooks.stats()).toMatchObject({
      eventsDelivered: 250,
      requestsSent: 3,
      pending: 0,
      inFlight: 0,
    });
  });

  test('caps requests at maxBatchSize', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, { delivery: { maxBatchSize: 7 } });

    emitCompanies(feed, 20);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests.map((r) => r.events.length)).toEqual([7, 7, 6]);
  });

  test('caps concurrent requests per portal', async () => {
    const server = await receiver(() => ({ status: 200, delayMs: 100 }));
    const { feed, webhooks } = dispatcher(server, {
      delivery: { maxBatchSize: 1, maxConcurrentPerPortal: 2 },
    });

    emitCompanies(feed, 8, PORTAL);
    emitCompanies(feed, 8, OTHER_PORTAL);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests).toHaveLength(16);
    expect(server.maxConcurrentByPortal.get(PORTAL)).toBe(2);
    expect(server.maxConcurrentByPortal.get(OTHER_PORTAL)).toBe(2);
  });

  test('takes the concurrency cap from the file', async () => {
    const server = await receiver(() => ({ status: 200, delayMs: 100 }));
    const file = writeWebhooksFile(5);
    const { feed, webhooks } = dispatcher(server, {
      subscriptionsFile: file,
      delivery: { maxBatchSize: 1 },
    });

    emitCompanies(feed, 12);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests).toHaveLength(12);
    expect(server.maxConcurrentByPortal.get(PORTAL)).toBe(5);
  });

  test('retries with a fresh signature', async () => {
    const server = await receiver((request) => (request.index < 2 ? 503 : 200));
    const { feed, webhooks } = dispatcher(server, { delivery: { retryBaseMs: 20 } });

    emitCompanies(feed, 2);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(attemptNumbers(server.requests)).toEqual([0, 1, 2]);
    for (const request of server.requests) {
      expect(request.events.map((e) => e.eventId)).toEqual([1, 2]);
      expect(request.events.map((e) => e.attemptNumber)).toEqual([request.index, request.index]);
      expect(hasValidSignature(request, SECRET, server.url())).toBe(true);
    }
    const timestamps = server.requests.map((r) => Number(r.headers['x-hubspot-request-timestamp']));
    expect(timestamps[1]).toBeGreaterThan(timestamps[0] ?? Infinity);
    expect(timestamps[2]).toBeGreaterThan(timestamps[1] ?? Infinity);
    expect(webhooks.stats()).toMatchObject({
      eventsDelivered: 2,
      requestsSent: 3,
      failedAttempts: 2,
      deliveriesAbandoned: 0,
    });
  });

  test('retries 4xx, resets and timeouts', async () => {
    const replies: ReceiverReply[] = [400, 'reset', { status: 200, delayMs: 800 }, 429, 200];
    const server = await receiver((request) => replies[request.index] ?? 200);
    const { feed, webhooks } = dispatcher(server, { delivery: { timeoutMs: 200 } });

    emitCompanies(feed, 1);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(attemptNumbers(server.requests)).toEqual([0, 1, 2, 3, 4]);
    expect(webhooks.stats()).toMatchObject({
      eventsDelivered: 1,
      requestsSent: 5,
      failedAttempts: 4,
    });
  });

  test('abandons after the last retry', async () => {
    const server = await receiver(() => 500);
    const { feed, webhooks } = dispatcher(server, { delivery: { maxRetries: 3 } });

    emitCompanies(feed, 2);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(attemptNumbers(server.requests)).toEqual([0, 1, 2, 3]);
    expect(webhooks.stats()).toEqual({
      eventsDelivered: 0,
      requestsSent: 4,
      failedAttempts: 4,
      deliveriesAbandoned: 1,
      eventsAbandoned: 2,
      eventsDiscarded: 0,
      pending: 0,
      inFlight: 0,
    });
  });

  test('retries at the new target', async () => {
    const first = await receiver(() => 500);
    const second = await receiver();
    const { feed, webhooks } = dispatcher(first, { delivery: { retryBaseMs: 200 } });

    emitCompanies(feed, 1);
    await waitUntil(() => first.requests.length === 1);
    webhooks.setTargetUrl(second.url('/moved'));
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(first.requests).toHaveLength(1);
    expect(attemptNumbers(second.requests)).toEqual([1]);
    expect(second.requests[0]?.url).toBe('/moved');
    expect(
      hasValidSignature(second.requests[0] as ReceivedRequest, SECRET, second.url('/moved')),
    ).toBe(true);
    expect(webhooks.targetUrl).toBe(second.url('/moved'));
  });

  test('duplicates events with the same eventId', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: () => ({ ...NO_FAULTS, webhookDuplicateRate: 1 }),
    });

    emitCompanies(feed, 10);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const events = server.requests.flatMap((r) => r.events);
    expect(events).toHaveLength(20);
    for (let id = 1; id <= 10; id++) {
      const copies = events.filter((e) => e.eventId === id);
      expect(copies).toHaveLength(2);
      expect(copies[1]).toEqual(copies[0]);
    }
    expect(webhooks.stats().eventsDelivered).toBe(20);
  });

  test('duplicates a share of events', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: () => ({ ...NO_FAULTS, webhookDuplicateRate: 0.3 }),
    });

    emitCompanies(feed, 200);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const received = eventIds(server.requests);
    const duplicates = received.length - 200;
    expect(new Set(received).size).toBe(200);
    // 0.3 of 200 is 60; the seeded generator lands inside this wide band.
    expect(duplicates).toBeGreaterThan(30);
    expect(duplicates).toBeLessThan(90);
  });

  test('reorders within and across requests', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: () => ({ ...NO_FAULTS, webhookReorder: true }),
      delivery: { maxBatchSize: 10, maxConcurrentPerPortal: 1 },
    });

    emitCompanies(feed, 40);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const received = eventIds(server.requests);
    expect([...received].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const unsortedRequests = server.requests.filter(
      (r) => !isAscending(r.events.map((e) => e.eventId)),
    );
    expect(unsortedRequests.length).toBeGreaterThan(0);
    const firstRequestMax = Math.max(...(server.requests[0]?.events.map((e) => e.eventId) ?? []));
    const laterMin = Math.min(...eventIds(server.requests.slice(1)));
    expect(laterMin).toBeLessThan(firstRequestMax);
  });

  test('holds events back when reordering a small batch', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: () => ({ ...NO_FAULTS, webhookReorder: true }),
      delivery: { maxConcurrentPerPortal: 1 },
    });

    emitCompanies(feed, 10);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests.length).toBeGreaterThan(1);
    expect(eventIds(server.requests).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  test('fails every delivery at rate 1', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: () => ({ ...NO_FAULTS, webhookFailureRate: 1 }),
      delivery: { maxRetries: 2 },
    });

    emitCompanies(feed, 1);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(attemptNumbers(server.requests)).toEqual([0, 1, 2]);
    expect(webhooks.stats()).toMatchObject({
      eventsDelivered: 0,
      failedAttempts: 3,
      deliveriesAbandoned: 1,
    });
  });

  test('fails a share of deliveries', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      faults: (portalId) => ({ ...NO_FAULTS, webhookFailureRate: portalId === PORTAL ? 0.5 : 0 }),
      delivery: { maxBatchSize: 1 },
    });

    emitCompanies(feed, 20, PORTAL);
    emitCompanies(feed, 20, OTHER_PORTAL);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const stats = webhooks.stats();
    expect(stats.eventsDelivered).toBe(40);
    expect(stats.deliveriesAbandoned).toBe(0);
    expect(stats.failedAttempts).toBeGreaterThan(0);
    expect(stats.requestsSent).toBe(40 + stats.failedAttempts);
    const retried = server.requests.filter((r) => (r.events[0]?.attemptNumber ?? 0) > 0);
    expect(retried.length).toBe(stats.failedAttempts);
    expect(retried.every((r) => r.events[0]?.portalId === PORTAL)).toBe(true);
  });

  test('sends both sides of an association', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server);

    // The store emits one change per direction.
    for (const [fromType, fromId, toType, toId, name] of [
      ['companies', '42', 'tickets', '8001', 'COMPANY_TO_TICKET'],
      ['tickets', '8001', 'companies', '42', 'TICKET_TO_COMPANY'],
    ] as const) {
      feed.emit({
        portalId: PORTAL,
        objectType: fromType,
        objectId: fromId,
        kind: 'associationChange',
        occurredAt: 1717243195000,
        changeSource: 'CRM_UI',
        association: {
          fromType,
          fromId,
          toType,
          toId,
          associationType: name,
          removed: false,
          isPrimary: false,
        },
      });
    }
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const events = server.requests.flatMap((r) => r.events);
    expect(
      events.map((e) => [e.subscriptionType, e.associationType, e.fromObjectId, e.toObjectId]),
    ).toEqual([
      ['company.associationChange', 'COMPANY_TO_TICKET', 42, 8001],
      ['ticket.associationChange', 'TICKET_TO_COMPANY', 8001, 42],
    ]);
  });

  test('sends a merge', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server);

    feed.emit({
      portalId: PORTAL,
      objectType: 'companies',
      objectId: '42',
      kind: 'merge',
      occurredAt: 1717243195000,
      changeSource: 'CRM_UI',
      merge: {
        primaryObjectId: '42',
        mergedObjectIds: ['43'],
        newObjectId: '42',
        numberOfPropertiesMoved: 3,
      },
    });
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests[0]?.events[0]).toMatchObject({
      subscriptionType: 'company.merge',
      objectId: 42,
      primaryObjectId: 42,
      mergedObjectIds: [43],
      newObjectId: 42,
      numberOfPropertiesMoved: 3,
    });
  });

  test('drops events without a target', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(undefined);

    emitCompanies(feed, 3);
    await webhooks.flush(FLUSH_DEADLINE_MS);
    expect(webhooks.stats()).toMatchObject({ eventsDiscarded: 3, requestsSent: 0 });

    webhooks.setTargetUrl(server.url());
    feed.emit(companyCreated(4));
    await webhooks.flush(FLUSH_DEADLINE_MS);
    expect(server.requests.map((r) => r.events.map((e) => e.objectId))).toEqual([[4]]);
  });

  test('drops events of uninstalled portals', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server, {
      isInstalled: (portalId) => portalId === PORTAL,
    });

    emitCompanies(feed, 2, OTHER_PORTAL);
    emitCompanies(feed, 1, PORTAL);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    expect(server.requests.flatMap((r) => r.events.map((e) => e.portalId))).toEqual([PORTAL]);
    expect(webhooks.stats().eventsDiscarded).toBe(2);
  });

  test('rejects a remote target', async () => {
    expect(() => dispatcher('https://app.cs-health.example/hubspot/webhooks')).toThrow(
      'webhook target https://app.cs-health.example/hubspot/webhooks is not on a loopback host; use 127.0.0.1, localhost or [::1], or set allowRemoteTargets',
    );
    const { webhooks } = dispatcher(undefined);
    expect(() => webhooks.setTargetUrl('http://10.0.0.5:3000/hooks')).toThrow(
      /is not on a loopback host/,
    );
    expect(() => webhooks.setTargetUrl('ftp://127.0.0.1/hooks')).toThrow(
      'the scheme must be http or https',
    );
    expect(webhooks.targetUrl).toBeUndefined();
  });

  test('rejects invalid delivery options', () => {
    expect(() => dispatcher(undefined, { delivery: { maxBatchSize: 150 } })).toThrow(
      /^invalid webhook delivery options: maxBatchSize=150: Too big: expected number to be <=100/,
    );
    expect(() => dispatcher(undefined, { delivery: { maxRetries: 11 } })).toThrow(/maxRetries=11/);
  });

  test('rejects a flush that misses its deadline', async () => {
    const server = await receiver(() => ({ status: 200, delayMs: 1000 }));
    const { feed, webhooks } = dispatcher(server);

    emitCompanies(feed, 1);
    await expect(webhooks.flush(100)).rejects.toThrow(
      'webhook delivery did not finish within 100 ms: 0 events pending, 1 requests in flight',
    );
    await webhooks.flush(FLUSH_DEADLINE_MS);
    expect(webhooks.stats().eventsDelivered).toBe(1);
  });

  test('logs a give-up without the secret', async () => {
    const server = await receiver(() => 500);
    const lines = captureLogs();
    const { feed, webhooks } = dispatcher(server, {
      logger: lines.logger,
      delivery: { maxRetries: 1 },
    });

    emitCompanies(feed, 1);
    await webhooks.flush(FLUSH_DEADLINE_MS);

    const abandoned = lines.records.find(
      (r) => r.msg === 'webhook delivery abandoned after the last retry',
    );
    expect(abandoned).toMatchObject({
      level: 50,
      portalId: PORTAL,
      attemptNumber: 1,
      events: 1,
      reason: 'receiver responded with HTTP 500',
    });
    const retry = lines.records.find((r) => r.msg === 'webhook delivery failed; retrying');
    expect(retry).toMatchObject({ level: 40, portalId: PORTAL, attemptNumber: 0 });
    expect(lines.text()).not.toContain(SECRET);
  });

  test('keeps store writes safe from errors', async () => {
    const lines = captureLogs();
    const { feed, webhooks } = dispatcher('http://127.0.0.1:9/hooks', {
      logger: lines.logger,
      faults: () => {
        throw new Error('fault lookup failed');
      },
    });

    expect(() => feed.emit(companyCreated(1))).not.toThrow();
    const logged = lines.records.find(
      (r) => r.msg === 'webhook events for a change could not be queued; the change is skipped',
    );
    expect(logged).toMatchObject({ level: 50, portalId: PORTAL, objectId: '1', kind: 'creation' });
    expect(webhooks.stats().pending).toBe(0);
  });

  test('ends a waiting flush on stop', async () => {
    const server = await receiver(() => ({ status: 200, delayMs: 2000 }));
    const { feed, webhooks } = dispatcher(server);

    emitCompanies(feed, 1);
    const flushed = webhooks.flush(FLUSH_DEADLINE_MS);
    await waitUntil(() => server.requests.length === 1);
    await webhooks.stop();

    await expect(flushed).resolves.toBeUndefined();
    expect(webhooks.stats().eventsDelivered).toBe(0);
  });

  test('stops listening on stop', async () => {
    const server = await receiver();
    const { feed, webhooks } = dispatcher(server);

    await webhooks.stop();
    feed.emit(companyCreated(1));

    expect(feed.listenerCount).toBe(0);
    expect(webhooks.stats().pending).toBe(0);
    await webhooks.flush(FLUSH_DEADLINE_MS);
    expect(server.requests).toHaveLength(0);
  });
});

function captureLogs() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', name: 'test' }, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    get records(): Record<string, unknown>[] {
      return text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

function isAscending(values: number[]): boolean {
  return values.every((value, i) => i === 0 || value > (values[i - 1] ?? -Infinity));
}

async function waitUntil(condition: () => boolean, deadlineMs = FLUSH_DEADLINE_MS): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs)
      throw new Error(`condition not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function writeWebhooksFile(maxConcurrentRequests: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'webhooks-dispatcher-'));
  const file = path.join(dir, 'webhooks-hsmeta.json');
  const config = {
    uid: 'test_webhooks',
    type: 'webhooks',
    config: {
      settings: { targetUrl: 'https://app.example.test/hooks', maxConcurrentRequests },
      subscriptions: {
        crmObjects: [],
        legacyCrmObjects: [{ subscriptionType: 'company.creation', active: true }],
        hubEvents: [],
      },
    },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}
