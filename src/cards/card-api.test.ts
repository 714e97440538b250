import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import type IORedis from 'ioredis';
import {
  BACKEND_ORIGIN,
  CardApiError,
  fetchHealth,
  healthUrl,
  recomputeUrl,
  REQUEST_TIMEOUT_MS,
  requestRecompute,
} from '../../extensions/app/cards/api';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { createHarness, engineResult, signRequest, type CardsHarness } from './test-fixtures';

/**
 * The card's api module against the real backend. `hubspot.fetch` calls `self.hsFetch`, which
 * HubSpot's extension worker provides. This test installs a stand-in that does what HubSpot's
 * proxy does. It checks the URL against `permittedUrls.fetch`, sends the body as JSON, and signs
 * the request with the v3 scheme over the public URL.
 */

const SECRET = 'test-client-secret-0000';
const PORTAL_ID = 1234567;
const repoRoot = path.resolve(__dirname, '../..');

interface AppMeta {
  config: { permittedUrls: { fetch: string[] } };
}
interface CardMeta {
  config: { location: string; objectTypes: string[]; entrypoint: string };
}

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(path.join(repoRoot, relative), 'utf8')) as T;
}

const permittedOrigins = readJson<AppMeta>('extensions/app/app-hsmeta.json').config.permittedUrls
  .fetch;

interface ProxyCall {
  url: string;
  method: string;
  timeout: number | undefined;
}

type FetchOptions = { method?: string; timeout?: number; body?: Record<string, unknown> };

/** HubSpot's side of `hubspot.fetch`, forwarding to `target` the way `local.json` proxies do. */
function installHubSpotFetch(target: string, secret: string, calls: ProxyCall[]): void {
  const worker = globalThis as unknown as { self?: unknown; hsFetch?: unknown };
  worker.self = globalThis;
  worker.hsFetch = async (url: string | URL, options: FetchOptions = {}) => {
    const requested = new URL(String(url));
    const method = options.method ?? 'GET';
    calls.push({ url: String(url), method, timeout: options.timeout });
    if (!permittedOrigins.includes(requested.origin)) {
      throw new Error(`${requested.origin} is not in permittedUrls.fetch`);
    }
    const body = options.body === undefined ? '' : JSON.stringify(options.body);
    const pathAndQuery = requested.pathname + requested.search;
    const headers: Record<string, string> = signRequest(
      secret,
      requested.origin,
      method,
      pathAndQuery,
      body,
      Date.now(),
    );
    if (body !== '') headers['Content-Type'] = 'application/json';
    return fetch(target + pathAndQuery, {
      method,
      headers,
      ...(body === '' ? {} : { body }),
      signal: AbortSignal.timeout(options.timeout ?? 15_000),
    });
  };
}

let redis: IORedis;
let harness: CardsHarness;
let server: Server;
let target: string;
let calls: ProxyCall[];

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  await redis.quit();
});

beforeEach(async () => {
  harness = createHarness(redis, uniquePrefix('card-api'), {
    publicOrigin: BACKEND_ORIGIN,
    clientSecret: SECRET,
  });
  await harness.installations.markInstalled(PORTAL_ID, { scopes: ['oauth'] });
  server = await new Promise<Server>((resolve) => {
    const listening = harness.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  calls = [];
  installHubSpotFetch(target, SECRET, calls);
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await harness.close();
});

describe('card permitted URLs', () => {
  test('cover every URL the card fetches', () => {
    for (const url of [healthUrl(PORTAL_ID, '42'), recomputeUrl()]) {
      const parsed = new URL(url);
      expect(parsed.protocol).toBe('https:');
      expect(permittedOrigins).toContain(parsed.origin);
    }
    expect(permittedOrigins).toContain(BACKEND_ORIGIN);
  });

  test('match the card location and object type', () => {
    const card = readJson<CardMeta>('extensions/app/cards/health-card-hsmeta.json');
    expect(card.config.location).toBe('crm.record.tab');
    expect(card.config.objectTypes).toEqual(['companies']);
    expect(card.config.entrypoint).toBe('/app/cards/HealthCard.tsx');
  });
});

describe('card api against the backend', () => {
  test('fetchHealth returns the stored score', async () => {
    const computedAt = Date.parse('2026-12-04T10:00:00.000Z');
    const stored = engineResult(
      '42',
      { usage_events_7d: '120', licensed_seats: '40', notes_last_contacted: '2026-11-20' },
      computedAt,
    );
    await harness.results.saveResults(PORTAL_ID, [stored], new Map());

    const health = await fetchHealth(PORTAL_ID, '42');
    expect(health.state).toBe('scored');
    if (health.state !== 'scored') return;
    expect(health.score).toBe(stored.score);
    expect(health.computedAt).toBe('2026-12-04T10:00:00.000Z');
    expect(calls).toEqual([
      {
        url: 'https://app.cs-health.example/cards/health?portalId=1234567&companyId=42',
        method: 'GET',
        timeout: REQUEST_TIMEOUT_MS,
      },
    ]);
  });

  test('fetchHealth returns the reconnect state', async () => {
    await harness.installations.markDisconnected(PORTAL_ID, 'invalid_grant');
    expect(await fetchHealth(PORTAL_ID, '42')).toEqual({
      state: 'disconnected',
      portalId: PORTAL_ID,
      reason: 'revoked',
      reinstallUrl: 'https://app.cs-health.example/oauth/install',
    });
  });

  test('requestRecompute queues once', async () => {
    expect(await requestRecompute(PORTAL_ID, '42')).toEqual({
      state: 'queued',
      alreadyQueued: false,
    });
    expect(await requestRecompute(PORTAL_ID, '42')).toEqual({
      state: 'queued',
      alreadyQueued: true,
    });
    expect(await redis.zrange(`${harness.prefix}:rq:${PORTAL_ID}:hot`, 0, -1)).toEqual(['42']);
    expect(calls.map((call) => call.method)).toEqual(['POST', 'POST']);
  });

  test('requestRecompute returns the disconnected state', async () => {
    await harness.installations.markDisconnected(PORTAL_ID, 'invalid_grant');
    const response = await requestRecompute(PORTAL_ID, '42');
    expect(response.state).toBe('disconnected');
  });

  test('rejected signature becomes a CardApiError', async () => {
    installHubSpotFetch(target, 'another-secret-1111', calls);
    const error = await fetchHealth(PORTAL_ID, '42').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CardApiError);
    expect((error as CardApiError).status).toBe(401);
    expect((error as CardApiError).message).toBe(
      'CS Health rejected the request signature (signature_mismatch). Reload the record page to retry.',
    );
  });

  test('invalid company id names the value', async () => {
    const error = await fetchHealth(PORTAL_ID, 'abc').catch((caught: unknown) => caught);
    expect((error as CardApiError).status).toBe(400);
    expect((error as CardApiError).message).toBe(
      'companyId "abc" is invalid: expected the HubSpot company record id, a positive integer',
    );
  });

  test('unreachable backend reports no status', async () => {
    await new Promise((resolve) => server.close(resolve));
    server = harness.app.listen(0, '127.0.0.1');
    installHubSpotFetch(target, SECRET, calls);
    const error = await fetchHealth(PORTAL_ID, '42').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CardApiError);
    expect((error as CardApiError).status).toBeNull();
    expect((error as CardApiError).message).toMatch(/^CS Health could not be reached \(.+\)\.$/);
  });

  test('HubSpot 429 without a body gets a plain message', async () => {
    const worker = globalThis as unknown as { hsFetch: unknown };
    worker.hsFetch = async () => new Response('', { status: 429 });
    const error = await requestRecompute(PORTAL_ID, '42').catch((caught: unknown) => caught);
    expect((error as CardApiError).status).toBe(429);
    expect((error as CardApiError).message).toBe(
      'Too many requests reached CS Health at once. Try again in a few seconds.',
    );
  });
});
