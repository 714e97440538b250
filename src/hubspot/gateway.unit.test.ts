import type IORedis from 'ioredis';
import nock from 'nock';
import { testEnv } from '../../test/install/env';
import { buildGateway, seedInstallation, type GatewayFixture } from '../../test/install/stores';
import { testRedis, uniquePrefix } from '../../test/setup/redis';
import { HubSpotApiError, PortalDisconnectedError } from './errors';

/**
 * Exact HubSpot error shapes, served by nock. The sandbox suites cover the same paths end to
 * end; these pin the bodies and headers that the sandbox may not reproduce byte for byte.
 */
const API = 'http://api.hubspot.test';
const PORTAL = 1234567;
const expired = {
  status: 'error',
  message: 'The OAuth token used to make this call expired 0 second(s) ago.',
  category: 'EXPIRED_AUTHENTICATION',
  correlationId: 'c-1',
};

describe('HubSpot gateway error handling', () => {
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
      prefix: uniquePrefix('gateway-unit'),
      settings: { rateLimitWindowScale: 0.01 },
    });
    await seedInstallation(fixture, PORTAL, {
      accessToken: 'old-access',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() + 30 * 60_000,
    });
  });
  afterEach(() => {
    nock.cleanAll();
  });

  const readCompany = async () =>
    (await fixture.gateway.forPortal(PORTAL)).batchReadObjects('companies', ['1'], ['name']);
  const companyBody = {
    status: 'COMPLETE',
    results: [
      {
        id: '1',
        properties: { name: 'Acme' },
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        archived: false,
      },
    ],
    startedAt: '2026-01-01T00:00:00Z',
    completedAt: '2026-01-01T00:00:00Z',
  };

  it('refreshes once and retries after 401 EXPIRED_AUTHENTICATION', async () => {
    const api = nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .matchHeader('authorization', 'Bearer old-access')
      .reply(401, expired)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .matchHeader('authorization', 'Bearer new-access')
      .reply(200, companyBody);
    const token = nock(API)
      .post(
        '/oauth/2026-03/token',
        (body) => body.grant_type === 'refresh_token' && body.refresh_token === 'refresh-1',
      )
      .reply(200, {
        access_token: 'new-access',
        refresh_token: 'refresh-1',
        expires_in: 1800,
        token_type: 'bearer',
      });

    const result = await readCompany();

    expect(result.results.map((record) => record.id)).toEqual(['1']);
    expect(api.isDone()).toBe(true);
    expect(token.isDone()).toBe(true);
    expect((await fixture.tokens.get(PORTAL))?.accessToken).toBe('new-access');
  });

  it('stops after one refresh when the new token is also rejected', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .times(2)
      .reply(401, expired);
    const token = nock(API)
      .post('/oauth/2026-03/token')
      .once()
      .reply(200, { access_token: 'new-access', refresh_token: 'refresh-1', expires_in: 1800 });

    const error = await readCompany().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(HubSpotApiError);
    expect((error as HubSpotApiError).status).toBe(401);
    expect((error as HubSpotApiError).retryable).toBe(false);
    expect(token.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('refreshes before the request when under 5 minutes remain', async () => {
    await fixture.tokens.save(PORTAL, {
      accessToken: 'old-access',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() + 120_000,
    });
    const token = nock(API)
      .post('/oauth/2026-03/token')
      .reply(200, { access_token: 'fresh', refresh_token: 'refresh-1', expires_in: 1800 });
    const api = nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .matchHeader('authorization', 'Bearer fresh')
      .reply(200, companyBody);
    const before = Date.now();

    await readCompany();

    expect(token.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
    const stored = await fixture.tokens.get(PORTAL);
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(before + 1_800_000);
    expect(stored?.expiresAt).toBeLessThanOrEqual(Date.now() + 1_800_000);
  });

  it.each([
    [
      '2026-03 invalid_grant',
      {
        error: 'invalid_grant',
        error_description: 'refresh token is invalid',
        status: 'BAD_REFRESH_TOKEN',
        message: 'missing or invalid refresh token',
      },
    ],
    [
      'v1 BAD_REFRESH_TOKEN',
      { status: 'BAD_REFRESH_TOKEN', message: 'missing or invalid refresh token' },
    ],
  ])('marks the portal disconnected on %s', async (_name, body) => {
    await fixture.tokens.save(PORTAL, {
      accessToken: 'old-access',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() - 1,
    });
    const token = nock(API).post('/oauth/2026-03/token').once().reply(400, body);

    const error = await readCompany().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(PortalDisconnectedError);
    expect(token.isDone()).toBe(true);
    expect((await fixture.installations.get(PORTAL))?.status).toBe('disconnected');
    await expect(fixture.gateway.forPortal(PORTAL)).rejects.toBeInstanceOf(PortalDisconnectedError);
  });

  it('waits out a short 429 and retries', async () => {
    const api = nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(429, {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      })
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(200, companyBody);

    const result = await readCompany();

    expect(result.results).toHaveLength(1);
    expect(api.isDone()).toBe(true);
  });

  it('surfaces a long Retry-After as a retryable error with the wait', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .once()
      .reply(
        429,
        { status: 'error', message: 'slow down', policyName: 'DAILY' },
        { 'Retry-After': '30' },
      );

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(30_000);
    expect(await fixture.limiter.tryAcquire(PORTAL, 'general')).toBeGreaterThan(25_000);
  });

  it('reads the 429 policy from the raw body', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .once()
      .reply(429, {
        status: 'error',
        message: 'limit reached',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      });

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error.status).toBe(429);
    expect(error.category).toBe('RATE_LIMIT');
    expect(error.retryAfterMs).toBe(3_600_000);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    const api = nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(502, '<html>Bad gateway</html>')
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(503, { status: 'error', message: 'unavailable', category: 'SERVICE_UNAVAILABLE' })
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(200, companyBody);

    await readCompany();

    expect(api.isDone()).toBe(true);
  });

  it('gives up on 5xx after the configured retries', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .times(4)
      .reply(504, { status: 'error', message: 'timeout' });

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error.status).toBe(504);
    expect(error.retryable).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('retries an unreadable 200, then succeeds', async () => {
    const api = nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(200, '{"status":"COMPLETE","results":[{"id":"1"', {
        'content-type': 'application/json',
      })
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(200, companyBody);

    const read = await readCompany();

    expect(read.results.map((record) => record.id)).toEqual(['1']);
    expect(api.isDone()).toBe(true);
  });

  it.each([
    ['truncated JSON', '{"status":"COMPLETE","results":['],
    ['no results array', JSON.stringify({ status: 'COMPLETE', results: null })],
    ['a record without an id', JSON.stringify({ ...companyBody, results: [{ properties: {} }] })],
  ])('reports %s as INVALID_RESPONSE', async (_label, body) => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .times(4)
      .reply(200, body, { 'content-type': 'application/json' });

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error).toBeInstanceOf(HubSpotApiError);
    expect(error.category).toBe('INVALID_RESPONSE');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/could not be read/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('does not retry a 403 missing scope', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .once()
      .reply(403, {
        status: 'error',
        message: 'This app lacks the scopes',
        category: 'MISSING_SCOPES',
      });

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error.status).toBe(403);
    expect(error.category).toBe('MISSING_SCOPES');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('This app lacks the scopes');
  });

  it('never puts the access token in an error', async () => {
    nock(API)
      .post('/crm/v3/objects/companies/batch/read')
      .query({ archived: 'false' })
      .reply(
        400,
        { status: 'error', message: 'bad', category: 'VALIDATION_ERROR' },
        { 'x-echo': 'Bearer old-access' },
      );

    const error = (await readCompany().catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error.status).toBe(400);
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain('old-access');
  });

  it('does not resend a task create after a 502', async () => {
    nock(API)
      .post('/crm/v3/objects/tasks')
      .once()
      .reply(502, { status: 'error', message: 'bad gateway' });
    const client = await fixture.gateway.forPortal(PORTAL);

    const error = (await client
      .createTask({ subject: 's', body: 'b', dueAt: new Date(), priority: 'HIGH', companyId: '1' })
      .catch((caught: unknown) => caught)) as HubSpotApiError;

    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('resends a task create after a refused connection', async () => {
    const api = nock(API)
      .post('/crm/v3/objects/tasks')
      .replyWithError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:80'), { code: 'ECONNREFUSED' }),
      )
      .post(
        '/crm/v3/objects/tasks',
        (body) =>
          body.properties.hs_task_subject === 'Call Acme' && body.associations[0].to.id === '77',
      )
      .reply(201, {
        id: '901',
        properties: {},
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
        archived: false,
      });
    const client = await fixture.gateway.forPortal(PORTAL);

    const id = await client.createTask({
      subject: 'Call Acme',
      body: 'b',
      dueAt: new Date(),
      priority: 'HIGH',
      companyId: '77',
    });

    expect(id).toBe('901');
    expect(api.isDone()).toBe(true);
  });

  describe('associations paging', () => {
    const page = (from: number, count: number, after?: string) => ({
      results: Array.from({ length: count }, (_, i) => ({
        toObjectId: from + i,
        associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 342, label: null }],
      })),
      ...(after ? { paging: { next: { after, link: 'x' } } } : {}),
    });

    it('follows v4 pages until paging is absent', async () => {
      const api = nock(API)
        .get('/crm/v4/objects/companies/42/associations/tickets')
        .query({ limit: '500' })
        .reply(200, page(1, 100, 'MTAw'))
        .get('/crm/v4/objects/companies/42/associations/tickets')
        .query({ limit: '500', after: 'MTAw' })
        .reply(200, page(101, 100, 'MjAw'))
        .get('/crm/v4/objects/companies/42/associations/tickets')
        .query({ limit: '500', after: 'MjAw' })
        .reply(200, page(201, 50));
      const client = await fixture.gateway.forPortal(PORTAL);

      const ids = await client.listAssociations('companies', '42', 'tickets');

      expect(ids).toHaveLength(250);
      expect(new Set(ids).size).toBe(250);
      expect(api.isDone()).toBe(true);
    });

    it('fails on a repeated cursor instead of looping', async () => {
      nock(API)
        .get('/crm/v4/objects/companies/42/associations/tickets')
        .query({ limit: '500' })
        .reply(200, page(1, 100, 'MTAw'))
        .get('/crm/v4/objects/companies/42/associations/tickets')
        .query({ limit: '500', after: 'MTAw' })
        .reply(200, page(101, 100, 'MTAw'));
      const client = await fixture.gateway.forPortal(PORTAL);

      const error = (await client
        .listAssociations('companies', '42', 'tickets')
        .catch((caught: unknown) => caught)) as HubSpotApiError;

      expect(error.category).toBe('REPEATED_PAGING_CURSOR');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('"MTAw" twice');
      expect(nock.pendingMocks()).toEqual([]);
    });

    it('follows per-input paging of the batch read', async () => {
      const api = nock(API)
        .post('/crm/v4/associations/companies/tickets/batch/read', {
          inputs: [{ id: '1' }, { id: '2' }, { id: '3' }],
        })
        .reply(200, {
          status: 'COMPLETE',
          results: [
            {
              from: { id: '1' },
              to: page(10, 2).results,
              paging: { next: { after: 'p2', link: 'x' } },
            },
            { from: { id: '2' }, to: page(20, 1).results },
          ],
          startedAt: '2026-01-01T00:00:00Z',
          completedAt: '2026-01-01T00:00:00Z',
        })
        .post('/crm/v4/associations/companies/tickets/batch/read', {
          inputs: [{ id: '1', after: 'p2' }],
        })
        .reply(200, {
          status: 'COMPLETE',
          results: [{ from: { id: '1' }, to: page(12, 1).results }],
          startedAt: '2026-01-01T00:00:00Z',
          completedAt: '2026-01-01T00:00:00Z',
        });
      const client = await fixture.gateway.forPortal(PORTAL);

      const map = await client.batchReadAssociations('companies', 'tickets', ['1', '2', '3']);

      expect(map.get('1')).toEqual(['10', '11', '12']);
      expect(map.get('2')).toEqual(['20']);
      expect(map.get('3')).toEqual([]);
      expect(api.isDone()).toBe(true);
    });
  });

  describe('batch update results', () => {
    it('returns per-record errors of a 207', async () => {
      nock(API)
        .post('/crm/v3/objects/companies/batch/update')
        .reply(207, {
          status: 'COMPLETE',
          results: [
            {
              id: '101',
              properties: {},
              createdAt: '2026-01-01T00:00:00Z',
              updatedAt: '2026-01-01T00:00:00Z',
              archived: false,
            },
          ],
          numErrors: 1,
          errors: [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: 'Object not found',
              context: { ids: ['104'] },
            },
          ],
          startedAt: '2026-01-01T00:00:00Z',
          completedAt: '2026-01-01T00:00:00Z',
        });
      const client = await fixture.gateway.forPortal(PORTAL);

      const result = await client.batchUpdateCompanies([
        { id: '101', properties: { cs_health_score: '72' } },
        { id: '104', properties: { cs_health_score: '50' } },
      ]);

      expect(result.updated).toEqual(['101']);
      expect(result.errors).toEqual([
        { id: '104', category: 'OBJECT_NOT_FOUND', message: 'Object not found' },
      ]);
    });

    it('returns the property named by a 400 VALIDATION_ERROR', async () => {
      nock(API).post('/crm/v3/objects/companies/batch/update').once().reply(400, {
        status: 'error',
        category: 'VALIDATION_ERROR',
        message:
          'Property values were not valid: [{"isValid":false,"message":"5.551115123125783e-17 was not a valid number.","error":"INVALID_INTEGER","name":"cs_health_score"}]',
      });
      const client = await fixture.gateway.forPortal(PORTAL);

      const result = await client.batchUpdateCompanies([
        { id: '101', properties: { cs_health_score: '5.551115123125783e-17' } },
      ]);

      expect(result.updated).toEqual([]);
      expect(result.errors).toEqual([
        {
          category: 'VALIDATION_ERROR',
          property: 'cs_health_score',
          message: '5.551115123125783e-17 was not a valid number.',
        },
      ]);
    });
  });

  it('rejects a batch of more than 100 ids before calling HubSpot', async () => {
    const client = await fixture.gateway.forPortal(PORTAL);
    const ids = Array.from({ length: 101 }, (_, i) => String(i));
    await expect(client.batchReadObjects('companies', ids, ['name'])).rejects.toThrow(
      'at most 100 ids',
    );
  });

  it('rejects a search page past 10,000 before calling HubSpot', async () => {
    const client = await fixture.gateway.forPortal(PORTAL);
    await expect(client.searchCompanies({ limit: 200, after: '9900' })).rejects.toThrow(
      'cannot page past 10000',
    );
  });
});
