import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import { HubSpotGateway } from '../../src/hubspot/gateway';
import { rethrowForQueue } from '../../src/hubspot/job-errors';
import { testRedis } from '../setup/redis';
import { installOverHttp, startInstallHarness, type InstallHarness } from './harness';
import { buildGateway } from './stores';

const TOKEN_ROUTE = 'POST /oauth/2026-03/token';

/**
 * Runs `count` BullMQ jobs that each read companies through one of `gateways` (one per simulated
 * worker process), all at once, and returns the finished jobs.
 */
async function runReadJobs(
  harness: InstallHarness,
  gateways: HubSpotGateway[],
  count: number,
  companyIds: string[],
) {
  const connection = testRedis();
  const queueName = `read-${Date.now()}`;
  const queue = new Queue(queueName, { connection, prefix: `${harness.prefix}:bull` });
  const eventsConnection = testRedis();
  const events = new QueueEvents(queueName, {
    connection: eventsConnection,
    prefix: `${harness.prefix}:bull`,
  });
  events.setMaxListeners(count * 2 + 10);
  await events.waitUntilReady();
  queue.setMaxListeners(count * 2 + 10);
  const workerConnections: IORedis[] = [];
  const workers = gateways.map((gateway) => {
    const workerConnection = testRedis();
    workerConnections.push(workerConnection);
    return new Worker(
      queueName,
      async (job: Job<{ portalId: number }>, token?: string) => {
        try {
          const client = await gateway.forPortal(job.data.portalId);
          const read = await client.batchReadObjects('companies', companyIds, ['name']);
          return read.results.length;
        } catch (error) {
          return rethrowForQueue(error, job, token);
        }
      },
      { connection: workerConnection, prefix: `${harness.prefix}:bull`, concurrency: count },
    );
  });
  const jobs = await queue.addBulk(
    Array.from({ length: count }, (_, i) => ({
      name: 'read',
      data: { portalId: harness.portal.id },
      opts: { jobId: `read-${i}`, attempts: 5, backoff: { type: 'fixed', delay: 50 } },
    })),
  );
  await Promise.all(
    jobs.map((job) => job.waitUntilFinished(events, 20_000).catch(() => undefined)),
  );
  const finished = await Promise.all(jobs.map((job) => queue.getJob(job.id as string)));
  await Promise.all(workers.map((worker) => worker.close()));
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await Promise.all([connection, eventsConnection, ...workerConnections].map((c) => c.quit()));
  return finished;
}

describe('token expiry with many jobs', () => {
  let harness: InstallHarness;
  let companyIds: string[];
  let secondProcess: ReturnType<typeof buildGateway>;

  beforeEach(async () => {
    harness = await startInstallHarness();
    companyIds = ['Acme', 'Globex', 'Initech'].map((name) =>
      harness.portal.createObject('companies', { name }),
    );
    secondProcess = buildGateway({
      env: harness.env,
      redis: harness.redis,
      prefix: harness.prefix,
    });
  });
  afterEach(async () => {
    await harness.close();
  });

  async function installWithTokensExpiringIn(ms: number) {
    const issued = harness.portal.issueTokens();
    await harness.tokens.save(harness.portal.id, {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: Date.now() + ms,
    });
    await harness.installations.markInstalled(harness.portal.id, { scopes: ['oauth'] });
    harness.sandbox.resetCounts();
  }

  it('refreshes once for 20 jobs starting 10 s before expiry', async () => {
    // As if the token was issued 1,790 s ago with expires_in 1800.
    await installWithTokensExpiringIn(10_000);
    const before = Date.now();

    const jobs = await runReadJobs(
      harness,
      [harness.gateway, secondProcess.gateway],
      20,
      companyIds,
    );

    const after = Date.now();
    expect(
      jobs.map((job) => job?.finishedOn !== undefined && job.failedReason === undefined),
    ).toEqual(Array(40).fill(true).slice(0, 20));
    expect(jobs.map((job) => job?.returnvalue)).toEqual(Array(20).fill(3));
    expect(harness.sandbox.requestCounts()[TOKEN_ROUTE]).toBe(1);
    const stored = await harness.tokens.get(harness.portal.id);
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(before + 1_800_000);
    expect(stored?.expiresAt).toBeLessThanOrEqual(after + 1_800_000);
  });

  it('refreshes once when HubSpot expires every token early', async () => {
    await installWithTokensExpiringIn(20 * 60_000);
    harness.portal.expireAccessTokens();

    const jobs = await runReadJobs(
      harness,
      [harness.gateway, secondProcess.gateway],
      20,
      companyIds,
    );

    expect(jobs.map((job) => job?.returnvalue)).toEqual(Array(20).fill(3));
    expect(harness.sandbox.requestCounts()[TOKEN_ROUTE]).toBe(1);
    expect(
      harness.sandbox.requestCounts()['POST /crm/v3/objects/companies/batch/read'],
    ).toBeLessThanOrEqual(40);
  });
});

describe('revoked portal with queued jobs', () => {
  let harness: InstallHarness;

  beforeEach(async () => {
    harness = await startInstallHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('makes one token call, fails 50 jobs once each and persists the disconnect', async () => {
    const issued = harness.portal.issueTokens();
    await harness.tokens.save(harness.portal.id, {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      expiresAt: Date.now() + 60_000,
    });
    await harness.installations.markInstalled(harness.portal.id, { scopes: ['oauth'] });
    harness.portal.revokeRefreshTokens();
    harness.portal.expireAccessTokens();
    harness.sandbox.resetCounts();
    const secondProcess = buildGateway({
      env: harness.env,
      redis: harness.redis,
      prefix: harness.prefix,
    });

    const jobs = await runReadJobs(harness, [harness.gateway, secondProcess.gateway], 50, ['1']);

    expect(jobs).toHaveLength(50);
    for (const job of jobs) {
      expect(job?.failedReason).toContain('disconnected');
      expect(job?.attemptsMade).toBe(1);
    }
    const counts = harness.sandbox.requestCounts();
    expect(counts[TOKEN_ROUTE]).toBe(1);
    expect(Object.keys(counts).filter((route) => route.includes('/crm/'))).toEqual([]);
    const freshStore = buildGateway({
      env: harness.env,
      redis: testRedis(),
      prefix: harness.prefix,
    });
    expect((await freshStore.installations.get(harness.portal.id))?.status).toBe('disconnected');
    await freshStore.redis.quit();

    const reinstall = await installOverHttp(harness);
    expect(reinstall.status).toBe(200);
    expect(await harness.installations.status(harness.portal.id)).toBe('active');
    const afterReinstall = await runReadJobs(harness, [harness.gateway], 1, ['1']);
    expect(afterReinstall[0]?.failedReason).toBeUndefined();
    expect(afterReinstall[0]?.returnvalue).toBe(0);
  });
});
