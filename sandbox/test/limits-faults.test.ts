import { apiClient, apiError, raw, startTestSandbox, type TestSandbox } from './helpers';

let t: TestSandbox;
let companyId: string;

beforeAll(async () => {
  t = await startTestSandbox();
  companyId = t.portal.createObject('companies', { name: 'Acme' });
});

afterAll(async () => {
  await t.sandbox.stop();
});

beforeEach(() => {
  // The API client logs every retry with console.error; the tests assert on the outcome instead.
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  t.sandbox.clearFaults();
  jest.restoreAllMocks();
});

const path = () => `/crm/v3/objects/companies/${companyId}`;

describe('rate limits', () => {
  it('answers the 111th request in 10 seconds with TEN_SECONDLY_ROLLING', async () => {
    const portal = await t.sandbox.createPortal({ seed: 'empty' });
    const token = portal.issueTokens().accessToken;
    let last;
    for (let index = 0; index < 110; index += 1) {
      last = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', { token });
      expect(last.status).toBe(200);
    }
    expect(last?.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    expect(last?.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(last?.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');

    const limited = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', { token });
    const body = limited.body as Record<string, unknown>;
    expect(limited.status).toBe(429);
    expect(body.status).toBe('error');
    expect(body.errorType).toBe('RATE_LIMIT');
    expect(body.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(typeof body.correlationId).toBe('string');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
  });

  it('limits search to 5 per second', async () => {
    const portal = await t.sandbox.createPortal({ seed: 'empty' });
    const token = portal.issueTokens().accessToken;
    for (let index = 0; index < 5; index += 1) {
      const response = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/search', {
        token,
        body: {},
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    }
    const limited = await raw(t.sandbox, 'POST', '/crm/v3/objects/companies/search', {
      token,
      body: {},
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      message: 'You have reached your secondly limit.',
      policyName: 'SECONDLY',
    });

    // The client waits one second after a SECONDLY 429, so its second attempt succeeds.
    const page = await apiClient(t.sandbox, token, 2).crm.companies.searchApi.doSearch({
      limit: 1,
    });
    expect(page.total).toBe(0);
  });

  it('keeps the counts and shortens the windows with timeScale', async () => {
    const scaled = await startTestSandbox({ timeScale: 10 });
    try {
      const response = await raw(scaled.sandbox, 'GET', '/crm/v3/objects/companies', {
        token: scaled.token,
      });
      expect(response.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('1000');
      expect(response.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    } finally {
      await scaled.sandbox.stop();
    }
  });
});

describe('faults', () => {
  it('answers 5xx at serverErrorRate 1 and the client retries them', async () => {
    t.sandbox.setFaults({ serverErrorRate: 1 });
    const before = t.sandbox.requestCounts()['GET /crm/v3/objects/companies/{objectId}'] ?? 0;
    const failure = await apiError(
      apiClient(t.sandbox, t.token, 2).crm.companies.basicApi.getById(companyId),
    );
    expect([502, 503, 504]).toContain(failure.code);
    expect(failure.body.status).toBe('error');
    const after = t.sandbox.requestCounts()['GET /crm/v3/objects/companies/{objectId}'] ?? 0;
    expect(after - before).toBe(2);
  });

  it('adds latency to every answer', async () => {
    t.sandbox.setFaults({ latencyMs: 300 });
    const started = Date.now();
    const response = await raw(t.sandbox, 'GET', path(), { token: t.token });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers the next N requests with 429 through the admin endpoint', async () => {
    const set = await raw(t.sandbox, 'POST', '/_sandbox/faults', {
      body: { faults: { burst429: 2 }, portalId: t.portal.id },
    });
    expect(set.status).toBe(200);
    const first = await raw(t.sandbox, 'GET', path(), { token: t.token });
    const second = await raw(t.sandbox, 'GET', path(), { token: t.token });
    const third = await raw(t.sandbox, 'GET', path(), { token: t.token });
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect((first.body as { policyName: string }).policyName).toBe('TEN_SECONDLY_ROLLING');
  });

  it('rejects an unknown fault on the admin endpoint', async () => {
    const response = await raw(t.sandbox, 'POST', '/_sandbox/faults', {
      body: { faults: { explode: true } },
    });
    expect(response.status).toBe(400);
    expect((response.body as { message: string }).message).toContain('explode');
  });

  it('refuses connections without an answer', async () => {
    t.sandbox.setFaults({ refuseConnections: true }, t.portal.id);
    await expect(raw(t.sandbox, 'GET', path(), { token: t.token })).rejects.toThrow();
    t.sandbox.clearFaults();
    expect((await raw(t.sandbox, 'GET', path(), { token: t.token })).status).toBe(200);
  });

  it('keeps faults of one portal away from another', async () => {
    const other = await t.sandbox.createPortal({ seed: 'empty' });
    const token = other.issueTokens().accessToken;
    t.sandbox.setFaults({ serverErrorRate: 1 }, t.portal.id);
    expect((await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', { token })).status).toBe(200);
    expect((await raw(t.sandbox, 'GET', path(), { token: t.token })).status).toBeGreaterThanOrEqual(
      502,
    );
  });

  it('expires access tokens through the admin endpoint', async () => {
    const other = await t.sandbox.createPortal({ seed: 'empty' });
    const token = other.issueTokens().accessToken;
    const expired = await raw(
      t.sandbox,
      'POST',
      `/_sandbox/portals/${other.id}/expire-access-tokens`,
    );
    expect(expired.status).toBe(204);
    const response = await raw(t.sandbox, 'GET', '/crm/v3/objects/companies', { token });
    expect((response.body as { category: string }).category).toBe('EXPIRED_AUTHENTICATION');
  });
});

describe('request counts', () => {
  it('counts per template and portal', async () => {
    t.sandbox.resetCounts();
    await t.client.crm.companies.batchApi.read({
      inputs: [{ id: companyId }],
      properties: [],
      propertiesWithHistory: [],
    });
    await t.client.crm.companies.batchApi.read({
      inputs: [{ id: companyId }],
      properties: [],
      propertiesWithHistory: [],
    });
    await raw(t.sandbox, 'GET', '/no/such/route');
    const counts = t.sandbox.requestCounts();
    expect(counts['POST /crm/v3/objects/companies/batch/read']).toBe(2);
    expect(counts['GET (no route)']).toBe(1);
    expect(counts.total).toBe(3);
    const byPortal = t.sandbox.requestCountsByPortal(t.portal.id);
    expect(byPortal).toEqual({ 'POST /crm/v3/objects/companies/batch/read': 2, total: 2 });
    const admin = await raw(t.sandbox, 'GET', `/_sandbox/requests?portalId=${t.portal.id}`);
    expect(admin.body).toEqual(byPortal);
  });
});
