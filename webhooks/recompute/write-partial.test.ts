import type IORedis from 'ioredis';
import nock from 'nock';
import { createLogger } from '../../src/log';
import { testEnv } from '../../test/install/env';
import { buildGateway, seedInstallation, type GatewayFixture } from '../../test/install/stores';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { CallCounter } from './read';
import type { BatchUpdateInput } from './types';
import { writeCompanyUpdates } from './write';

/**
 * HubSpot can respond to a batch update with 200 and still list per-item `errors` and `numErrors`
 * in the body. nock serves that exact shape to the real gateway and SDK.
 */
const API = 'http://api.hubspot.test';
const PORTAL = 1234567;
const UPDATE_PATH = '/crm/v3/objects/companies/batch/update';
const logger = createLogger({ level: 'silent' });

function updated(id: string) {
  return {
    id,
    properties: { cs_health_score: '72' },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    archived: false,
  };
}

/** A 200 body with one written company (103) and per-item errors for 101 and 102. */
const partialBody = {
  status: 'COMPLETE',
  results: [updated('103')],
  numErrors: 2,
  errors: [
    {
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: '5.551115123125783e-17 was not a valid number.',
      context: { ids: ['101'], propertyName: ['cs_health_score'] },
    },
    {
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: 'At Risk was not one of the allowed options.',
      context: { ids: ['102'], propertyName: ['cs_health_status'] },
    },
  ],
  startedAt: '2026-01-01T00:00:00Z',
  completedAt: '2026-01-01T00:00:01Z',
};

const inputs: BatchUpdateInput[] = [
  { id: '101', properties: { cs_health_score: '0' } },
  { id: '102', properties: { cs_health_status: 'at_risk' } },
  { id: '103', properties: { cs_health_score: '72', cs_health_status: 'healthy' } },
];

describe('batch update answered 200 with errors', () => {
  let redis: IORedis;
  let fixture: GatewayFixture;

  beforeAll(() => {
    redis = testRedis();
    nock.disableNetConnect();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await redis.quit();
  });
  beforeEach(async () => {
    fixture = buildGateway({
      env: testEnv({ HUBSPOT_API_BASE: API }),
      redis,
      prefix: uniquePrefix('write-partial'),
      settings: { rateLimitWindowScale: 0.01 },
    });
    await seedInstallation(fixture, PORTAL, {
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() + 30 * 60_000,
    });
  });
  afterEach(() => {
    nock.cleanAll();
  });

  test('gateway returns the per-item errors', async () => {
    const api = nock(API).post(UPDATE_PATH).once().reply(200, partialBody);
    const client = await fixture.gateway.forPortal(PORTAL);

    const result = await client.batchUpdateCompanies(inputs);

    expect(result.updated).toEqual(['103']);
    expect(result.errors).toEqual([
      {
        id: '101',
        category: 'VALIDATION_ERROR',
        property: 'cs_health_score',
        message: '5.551115123125783e-17 was not a valid number.',
      },
      {
        id: '102',
        category: 'VALIDATION_ERROR',
        property: 'cs_health_status',
        message: 'At Risk was not one of the allowed options.',
      },
    ]);
    expect(api.isDone()).toBe(true);
  });

  test('write step records failures once, no retry', async () => {
    // Only one response is registered, so a second update request would fail the test.
    const api = nock(API).post(UPDATE_PATH).once().reply(200, partialBody);
    const client = await fixture.gateway.forPortal(PORTAL);
    const calls = new CallCounter();

    const result = await writeCompanyUpdates(client, inputs, calls, logger);

    expect(result.updated).toEqual(['103']);
    expect(result.failed).toEqual([
      {
        companyId: '101',
        category: 'VALIDATION_ERROR',
        property: 'cs_health_score',
        message: '5.551115123125783e-17 was not a valid number.',
      },
      {
        companyId: '102',
        category: 'VALIDATION_ERROR',
        property: 'cs_health_status',
        message: 'At Risk was not one of the allowed options.',
      },
    ]);
    expect(calls.count).toBe(1);
    expect(api.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });
});
