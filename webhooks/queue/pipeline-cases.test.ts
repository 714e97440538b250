import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { defaultTicketPipeline } from '../../sandbox/store/pipelines';
import { loadEnv, type Env } from '../../src/config/env';
import { compareWithSandbox } from '../../src/demo/expected';
import { DEFAULT_SCORE_CONFIG } from '../../src/engine';
import { createLogger } from '../../src/log';
import { buildCoreServices } from '../../src/main/services';
import { startWeb, type WebProcess } from '../../src/main/web';
import { startWorkerProcess, type WorkerProcess } from '../../src/main/worker';
import { freePort } from '../../src/redis/local-server';
import { testRedisUrl, uniquePrefix } from '../../test/setup/redis';
import { ProgressStore } from '../backfill';
import { RecomputeStore } from '../recompute/store';
import { computeSignatureV3 } from '../intake/signature';
import { DirtyMarks } from './marks';
import { installSandboxPortal } from './test-support/install';
import type { RecomputeJobResult } from './processor';
import { JOB } from './queue';
import { processSweepTick, syncNightlySchedulers } from './schedules';

/**
 * Runs webhook batches with duplicates, redeliveries and reordering, and changes that arrive
 * while a company is being computed, through the whole app. The sandbox portal, the web process
 * (intake) and the worker process (queue runtime and the real recompute) all run in this process.
 */

const COMPANIES = 8;
const logger = createLogger({ level: 'silent' });
const CLOSED_STAGES = new Set(
  defaultTicketPipeline('')
    .stages.filter((stage) => stage.metadata.isClosed === 'true')
    .map((stage) => stage.id),
);
/** Per-portal request counts are keyed by the concrete path. */
const COMPANY_WRITES = 'POST /crm/v3/objects/companies/batch/update';
const TICKET_READS = 'POST /crm/v3/objects/tickets/batch/read';

let sandbox: Sandbox;
let portal: PortalHandle;
let env: Env;
let web: WebProcess;
let worker: WorkerProcess;
let redis: IORedis;
let marks: DirtyMarks;
let results: RecomputeStore;

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until no webhook is pending and the portal has no queued, running or scheduled work. */
async function waitForDrain(timeoutMs = 60_000): Promise<void> {
  let quiet = 0;
  const started = Date.now();
  while (quiet < 2) {
    if (Date.now() - started > timeoutMs) throw new Error('the recompute queue did not drain');
    await sandbox.flushWebhooks(timeoutMs);
    const depth = (await marks.depths()).find((entry) => entry.portalId === portal.id);
    const busy =
      depth !== undefined &&
      (depth.hot + depth.cold + depth.refs + depth.drops + depth.inflight > 0 ||
        depth.jobId !== undefined);
    const stats = sandbox.webhookStats();
    quiet = busy || stats.pending > 0 || stats.inFlight > 0 ? 0 : quiet + 1;
    await sleep(200);
  }
}

/** Recompute jobs that finished after `since`, oldest first. */
async function recomputeJobsSince(since: number): Promise<Job<unknown, RecomputeJobResult>[]> {
  const jobs = (await worker.queue.queue.getJobs(['completed'], 0, -1)) as Job<
    unknown,
    RecomputeJobResult
  >[];
  return jobs
    .filter((job) => job.name === JOB.recompute && (job.processedOn ?? 0) >= since)
    .filter((job) => (job.returnvalue?.companies ?? 0) > 0)
    .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
}

function expectMatchesSandbox(companyId: string, computedAt: number): void {
  const check = compareWithSandbox(
    portal,
    companyId,
    DEFAULT_SCORE_CONFIG,
    CLOSED_STAGES,
    new Date(computedAt),
  );
  expect(check.mismatches).toEqual([]);
}

function openTickets(companyId: string): number {
  return portal
    .associatedIds('companies', companyId, 'tickets')
    .filter(
      (id) =>
        !CLOSED_STAGES.has(portal.getObject('tickets', id)?.properties.hs_pipeline_stage ?? ''),
    ).length;
}

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    webhooks: { flushIntervalMs: 50, retryBaseMs: 100 },
  });
  portal = await sandbox.createPortal({ seed: 'ravenstack', companies: COMPANIES, randomSeed: 7 });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  env = loadEnv({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'silent',
    PUBLIC_ORIGIN: origin,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: uniquePrefix('cases'),
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
  });
  web = await startWeb(env, logger);
  worker = await startWorkerProcess(env, logger, { concurrency: 2, shutdownGraceMs: 5000 });
  redis = new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
  marks = new DirtyMarks(redis, env.REDIS_PREFIX);
  results = new RecomputeStore(redis, env.REDIS_PREFIX);
  sandbox.setWebhookTarget(`${origin}/hubspot/webhooks`);
  await installSandboxPortal(origin, portal.id);
  await waitFor(
    async () => (await results.countStored(portal.id)) === COMPANIES,
    90_000,
    'the install backfill to score every company',
  );
  await waitForDrain();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await web?.stop();
  redis?.disconnect();
  await sandbox?.stop();
});

describe('duplicate, redelivered and reordered batch', () => {
  test('one recompute per company from current CRM data', async () => {
    const [first, second] = portal.listObjects('companies').map((company) => company.id);
    if (!first || !second) throw new Error('the portal has fewer than two companies');
    const now = Date.now();
    const event = (fields: Record<string, unknown>) => ({
      subscriptionId: 9001,
      portalId: portal.id,
      appId: sandbox.app.appId,
      attemptNumber: 0,
      changeSource: 'API',
      ...fields,
    });
    const newer = event({
      eventId: 301,
      occurredAt: now - 5000,
      subscriptionType: 'company.propertyChange',
      objectId: Number(first),
      propertyName: 'usage_events_7d',
      propertyValue: '50000',
    });
    const events = [
      newer,
      event({
        eventId: 302,
        occurredAt: now - 10_000,
        subscriptionType: 'company.propertyChange',
        objectId: Number(first),
        propertyName: 'usage_events_7d',
        propertyValue: '40000',
      }),
      event({
        eventId: 303,
        occurredAt: now - 8000,
        subscriptionType: 'company.creation',
        objectId: Number(second),
      }),
      newer,
    ];

    // Hold the worker, so everything the two deliveries queue is visible before any of it runs.
    await worker.runtime.worker.pause();
    const callsBefore = sandbox.requestCountsByPortal(portal.id).total ?? 0;
    const writesBefore = sandbox.requestCountsByPortal(portal.id)[COMPANY_WRITES] ?? 0;
    const since = Date.now();
    for (const attemptNumber of [0, 1]) {
      const body = JSON.stringify(events.map((item) => ({ ...item, attemptNumber })));
      const timestamp = String(Date.now());
      const signature = computeSignatureV3(
        env.HUBSPOT_CLIENT_SECRET,
        'POST',
        `${env.PUBLIC_ORIGIN}/hubspot/webhooks`,
        body,
        timestamp,
      );
      const started = Date.now();
      const response = await fetch(`${env.PUBLIC_ORIGIN}/hubspot/webhooks`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-HubSpot-Signature-v3': signature,
          'X-HubSpot-Request-Timestamp': timestamp,
        },
        body,
      });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(sandbox.requestCountsByPortal(portal.id).total ?? 0).toBe(callsBefore);
    const [depth] = (await marks.depths()).filter((entry) => entry.portalId === portal.id);
    expect(depth?.hot).toBe(2);

    worker.runtime.worker.resume();
    await waitForDrain();
    const jobs = await recomputeJobsSince(since);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.returnvalue.companies).toBe(2);
    // Nothing changed in the CRM, so the recompute writes nothing (at most one identical write).
    const writes = (sandbox.requestCountsByPortal(portal.id)[COMPANY_WRITES] ?? 0) - writesBefore;
    expect(writes).toBeLessThanOrEqual(1);
    for (const id of [first, second]) {
      const stored = await results.getResult(portal.id, id);
      expect(stored?.computedAt).toBeGreaterThanOrEqual(since);
      expectMatchesSandbox(id, stored?.computedAt ?? 0);
    }
    expect(portal.getObject('companies', first)?.properties.usage_events_7d).not.toBe('50000');
  });
});

describe('recompute while a company changes', () => {
  test('new tickets after a finished job recompute again', async () => {
    const companies = portal.listObjects('companies').map((company) => company.id);
    const target = [...companies].sort((a, b) => openTickets(a) - openTickets(b))[0] as string;
    const before = await results.getResult(portal.id, target);
    const since = Date.now();
    for (let i = 0; i < 3; i += 1) {
      portal.createObject(
        'tickets',
        {
          subject: `Checkout fails ${i + 1}`,
          hs_pipeline: '0',
          hs_pipeline_stage: '1',
          hs_ticket_priority: 'HIGH',
        },
        [{ toType: 'companies', toId: target }],
      );
    }
    await waitForDrain();
    const after = await results.getResult(portal.id, target);
    expect(after?.computedAt).toBeGreaterThanOrEqual(since);
    expect(after?.score).not.toBe(before?.score);
    expectMatchesSandbox(target, after?.computedAt ?? 0);
    // The first job for this company is still retained as completed; it did not block these.
    expect((await recomputeJobsSince(since)).length).toBeGreaterThan(0);
  });

  test('change during a running job gives exactly one follow-up', async () => {
    const target = portal.listObjects('companies').map((company) => company.id)[2] as string;
    const ticket = portal.createObject(
      'tickets',
      {
        subject: 'Export is slow',
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
        hs_ticket_priority: 'HIGH',
      },
      [{ toType: 'companies', toId: target }],
    );
    await waitForDrain();

    // Slow every API response, so the job is still running when the ticket closes.
    sandbox.setFaults({ latencyMs: 300 }, portal.id);
    const since = Date.now();
    const readsBefore = sandbox.requestCountsByPortal(portal.id)[TICKET_READS] ?? 0;
    const seats = Number(portal.getObject('companies', target)?.properties.seats_used ?? '0');
    portal.updateObject('companies', target, { seats_used: String(seats + 1) });

    await waitFor(
      () => (sandbox.requestCountsByPortal(portal.id)[TICKET_READS] ?? 0) > readsBefore,
      20_000,
      'the job to read the tickets',
    );
    portal.updateObject('tickets', ticket, { hs_pipeline_stage: '4' });
    await waitForDrain();
    sandbox.clearFaults();

    const jobs = await recomputeJobsSince(since);
    expect(jobs).toHaveLength(2);
    expect(jobs.map((job) => job.returnvalue.companies)).toEqual([1, 1]);
    expect(jobs[1]?.processedOn ?? 0).toBeGreaterThanOrEqual(jobs[0]?.finishedOn ?? Infinity);
    const stored = await results.getResult(portal.id, target);
    expect(stored?.ticketIds).toContain(ticket);
    expectMatchesSandbox(target, stored?.computedAt ?? 0);
  });
});

describe('sweep scheduling', () => {
  test('app schedulers are registered at start', async () => {
    const schedulers = await worker.queue.queue.getJobSchedulers(0, -1);
    const byKey = new Map(schedulers.map((scheduler) => [scheduler.key, scheduler]));
    expect(byKey.get('canary')?.every).toBe(10_000);
    expect(byKey.get('maintenance')?.every).toBe(30_000);
    expect(byKey.get('incremental-sweep')?.every).toBe(env.INCREMENTAL_SWEEP_MINUTES * 60_000);
  });

  test('nightly sweep follows the portal time zone', async () => {
    const core = await buildCoreServices(env, logger);
    try {
      await syncNightlySchedulers({
        ...scheduleDeps(core),
        nightlySweepHour: 3,
      });
      const schedulers = await worker.queue.queue.getJobSchedulers(0, -1);
      const nightly = schedulers.find(
        (scheduler) => scheduler.key === `nightly-sweep-${portal.id}`,
      );
      expect(nightly?.tz).toBe(portal.timeZone);
      expect(nightly?.pattern).toBe('0 3 * * *');
    } finally {
      await core.redis.quit();
    }
  });

  test('incremental tick sweeps every active portal', async () => {
    const core = await buildCoreServices(env, logger);
    try {
      const since = Date.now();
      const target = portal.listObjects('companies').map((company) => company.id)[3] as string;
      const tick = await processSweepTick(scheduleDeps(core));
      expect(tick.portals).toBe(1);
      await waitFor(
        async () =>
          (await worker.queue.queue.getJobs(['completed'], 0, -1)).some(
            (job) => job.name === JOB.sweep && (job.finishedOn ?? 0) >= since,
          ),
        30_000,
        'the incremental sweep job',
      );
      await waitForDrain();
      // The install backfill set the sweep's starting point, so this sweep searched and queued
      // the companies modified since then, which includes every company the app wrote.
      const stored = await results.getResult(portal.id, target);
      expect(stored?.computedAt).toBeGreaterThanOrEqual(since);
    } finally {
      await core.redis.quit();
    }
  });
});

function scheduleDeps(core: Awaited<ReturnType<typeof buildCoreServices>>) {
  return {
    queue: worker.queue,
    redis: core.redis,
    prefix: env.REDIS_PREFIX,
    gateway: core.gateway,
    installations: core.installations,
    store: results,
    progress: new ProgressStore(redis, env.REDIS_PREFIX, results),
    logger,
    incrementalSweepMinutes: env.INCREMENTAL_SWEEP_MINUTES,
    nightlySweepHour: env.NIGHTLY_SWEEP_HOUR,
  };
}
