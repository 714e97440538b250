import { hubspotRequestsTotal } from '../../src/metrics';
import { startInstallHarness, type InstallHarness } from './harness';
import { buildGateway, seedInstallation } from './stores';

/**
 * The sandbox's windows are 5 times shorter, and the gateway's limiter scales the same way. With
 * 500 ms windows the test was flaky on a loaded machine: event-loop lag can keep a request in
 * flight longer than a window, so the sandbox still counts it after the limiter has let its slot go.
 */
const TIME_SCALE = 5;

async function countOutcome(outcome: string): Promise<number> {
  const metric = await hubspotRequestsTotal.get();
  return metric.values
    .filter((value) => value.labels.outcome === outcome)
    .reduce((sum, value) => sum + value.value, 0);
}

describe('shared rate limiter against the sandbox limits', () => {
  let harness: InstallHarness;

  beforeEach(async () => {
    harness = await startInstallHarness({ sandbox: { timeScale: TIME_SCALE } });
    const issued = harness.portal.issueTokens();
    await seedInstallation(harness, harness.portal.id, {
      ...issued,
      expiresAt: Date.now() + 30 * 60_000,
    });
  });
  afterEach(async () => {
    await harness.close();
  });

  function processes(count: number) {
    return Array.from({ length: count }, () =>
      buildGateway({
        env: harness.env,
        redis: harness.redis,
        prefix: harness.prefix,
        windowScale: 1 / TIME_SCALE,
        settings: { rateLimitWindowScale: 1 / TIME_SCALE },
      }),
    );
  }

  it('keeps 250 reads from two processes free of 429s', async () => {
    const id = harness.portal.createObject('companies', { name: 'Acme' });
    const gateways = processes(2);
    const before429 = await countOutcome('429');
    const started = Date.now();

    const results = await Promise.all(
      Array.from({ length: 250 }, async (_, i) => {
        const client = await (gateways[i % 2]?.gateway ?? harness.gateway).forPortal(
          harness.portal.id,
        );
        return (await client.batchReadObjects('companies', [id], ['name'])).results.length;
      }),
    );

    expect(results).toEqual(Array(250).fill(1));
    expect(await countOutcome('429')).toBe(before429);
    expect(harness.sandbox.requestCounts()['POST /crm/v3/objects/companies/batch/read']).toBe(250);
    // 100 per 2 s window: the last 50 cannot start before two windows have passed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * (10_000 / TIME_SCALE) - 50);
  });

  it('keeps searches under the search limit', async () => {
    const gateways = processes(2);
    const before429 = await countOutcome('429');

    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const client = await (gateways[i % 2]?.gateway ?? harness.gateway).forPortal(
          harness.portal.id,
        );
        return client.searchCompanies({ limit: 10, properties: ['name'] });
      }),
    );

    expect(await countOutcome('429')).toBe(before429);
    expect(harness.sandbox.requestCounts()['POST /crm/v3/objects/companies/search']).toBe(30);
  });

  it('retries after a 429 burst', async () => {
    const id = harness.portal.createObject('companies', { name: 'Acme' });
    harness.sandbox.setFaults({ burst429: 2 });
    const [process] = processes(1);
    const before429 = await countOutcome('429');

    const client = await (process?.gateway ?? harness.gateway).forPortal(harness.portal.id);
    const result = await client.batchReadObjects('companies', [id], ['name']);

    expect(result.results).toHaveLength(1);
    expect((await countOutcome('429')) - before429).toBe(2);
  });
});
