import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { startSandbox, type PortalHandle, type Sandbox } from '../../sandbox';
import { startAppProcess, waitForHttpOk, type AppProcess } from '../../src/demo/processes';
import { freePort } from '../../src/redis/local-server';
import { testRedis, testRedisUrl, uniquePrefix } from '../../test/setup/redis';
import { RecomputeStore } from '../recompute/store';
import type { RecomputeJobResult } from './processor';
import { JOB, RECOMPUTE_QUEUE_NAME } from './queue';
import { installSandboxPortal } from './test-support/install';

/**
 * Starts the web process and two worker processes with tsx, as in production, on the test
 * Redis and the sandbox, then installs three portals at once. Both workers must share the
 * backfills, no portal may have two jobs running at once, and no request may get a 429.
 */

const PORTALS = 3;
const COMPANIES = 25;

let sandbox: Sandbox;
let redis: IORedis;
let prefix: string;
let appUrl: string;
let logDir: string;
let web: AppProcess;
let workers: AppProcess[];
let portals: PortalHandle[];
let queue: Queue;

beforeAll(async () => {
  sandbox = await startSandbox({ logger: false });
  portals = [];
  for (let i = 0; i < PORTALS; i += 1) {
    portals.push(
      await sandbox.createPortal({ seed: 'ravenstack', companies: COMPANIES, randomSeed: i + 1 }),
    );
  }
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  prefix = uniquePrefix('processes');
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    PUBLIC_ORIGIN: appUrl,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret,
    HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.baseUrl,
    HUBSPOT_AUTHORIZE_URL: sandbox.authorizeUrl,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: prefix,
    TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    // One job per worker at a time, so three portals' work cannot all land on one worker.
    WORKER_CONCURRENCY: '1',
  };
  logDir = mkdtempSync(path.join(os.tmpdir(), 'cs-health-processes-'));
  web = startAppProcess('web', 'src/main/web.ts', env, path.join(logDir, 'web.log'));
  workers = [1, 2].map((index) =>
    startAppProcess(
      `worker-${index}`,
      'src/main/worker.ts',
      env,
      path.join(logDir, `worker-${index}.log`),
    ),
  );
  await waitForHttpOk(`${appUrl}/readyz`, [web, ...workers], 90_000);
  sandbox.setWebhookTarget(`${appUrl}/hubspot/webhooks`);

  redis = testRedis();
  queue = new Queue(RECOMPUTE_QUEUE_NAME, { connection: redis, prefix: `${prefix}:bull` });
  await Promise.all(portals.map((portal) => installSandboxPortal(appUrl, portal.id)));

  const results = new RecomputeStore(redis, prefix);
  const started = Date.now();
  for (;;) {
    const stored = await Promise.all(portals.map((portal) => results.countStored(portal.id)));
    if (stored.every((count) => count === COMPANIES)) break;
    if (Date.now() - started > 120_000) {
      throw new Error(
        `backfills did not finish in 120 s: scored ${stored.join(', ')} of ${COMPANIES}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 240_000);

afterAll(async () => {
  await Promise.allSettled((workers ?? []).map((worker) => worker.stop()));
  await web?.stop();
  await queue?.obliterate({ force: true });
  await queue?.close();
  redis?.disconnect();
  await sandbox?.stop();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

async function recomputeJobs(): Promise<Job<{ portalId: number }, RecomputeJobResult>[]> {
  const jobs = (await queue.getJobs(['completed'], 0, -1)) as Job<
    { portalId: number },
    RecomputeJobResult
  >[];
  return jobs.filter((job) => job.name === JOB.recompute && !job.returnvalue?.stale);
}

describe('two worker processes', () => {
  test('both take jobs', async () => {
    const workers = new Set((await recomputeJobs()).map((job) => job.processedBy));
    expect(workers.size).toBe(2);
    for (const name of workers) expect(name).toMatch(/^worker-/);
  });

  test('one job per portal at a time', async () => {
    const jobs = await recomputeJobs();
    for (const portal of portals) {
      const own = jobs
        .filter((job) => job.data.portalId === portal.id)
        .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
      expect(own.length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < own.length; i += 1) {
        expect(own[i]?.processedOn ?? 0).toBeGreaterThanOrEqual(own[i - 1]?.finishedOn ?? Infinity);
      }
      const scored = own.reduce((sum, job) => sum + (job.returnvalue?.companies ?? 0), 0);
      expect(scored).toBeGreaterThanOrEqual(COMPANIES);
    }
  });

  test('metrics merge both workers without 429s', async () => {
    const sum = (text: string, pattern: RegExp): number =>
      [...text.matchAll(pattern)].map((match) => Number(match[1])).reduce((a, b) => a + b, 0);
    // Workers publish their counts every 5 s, so the first scrape may predate the backfill.
    let text = '';
    const started = Date.now();
    while (Date.now() - started < 15_000) {
      const response = await fetch(`${appUrl}/metrics`);
      expect(response.status).toBe(200);
      text = await response.text();
      if (
        sum(text, /^cs_health_recomputed_companies_total\{[^}]*\} (\d+)/gm) >=
        PORTALS * COMPANIES
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(
      sum(text, /^cs_health_recomputed_companies_total\{[^}]*\} (\d+)/gm),
    ).toBeGreaterThanOrEqual(PORTALS * COMPANIES);
    expect(
      sum(text, /^cs_health_hubspot_requests_total\{[^}]*outcome="ok"[^}]*\} (\d+)/gm),
    ).toBeGreaterThan(0);
    expect(sum(text, /^cs_health_hubspot_requests_total\{[^}]*outcome="429"[^}]*\} (\d+)/gm)).toBe(
      0,
    );
  });

  test('readyz passes with live workers', async () => {
    const response = await fetch(`${appUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  test('SIGTERM stops a worker cleanly', async () => {
    const worker = workers[0];
    if (!worker) throw new Error('no worker process was started');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe('exit code 0');
  });
});
