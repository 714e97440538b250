import type { Job } from 'bullmq';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { PortalClient, SearchRequest } from '../../src/hubspot/types';
import type { RecomputeContext, RecomputeOutcome } from '../recompute/types';
import type { RecomputeHandlers } from './processor';
import { JOB, type SweepJobData } from './queue';
import { processSweepTick, syncNightlySchedulers } from './schedules';
import { startSandboxRuntime, waitFor, type SandboxRuntime } from './test-support/sandbox-runtime';

/**
 * Sweep jobs through the real queue runtime, the real gateway and the sandbox. The recompute
 * step only records the companies it is given and does not score them: these tests are about
 * which companies the sweeps queue, and recompute.test.ts covers the scoring.
 */
const TIME_SCALE = 20;
const SEARCH_ROUTE = 'POST /crm/v3/objects/companies/search';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, logger: false });
});

afterAll(async () => {
  await sandbox.stop();
});

/** Recompute steps that record each batch and call no HubSpot API. */
function recordingHandlers(recorded: string[]): RecomputeHandlers {
  return {
    async recomputeCompanies(ctx: RecomputeContext): Promise<RecomputeOutcome> {
      recorded.push(...ctx.companyIds);
      return {
        computed: ctx.companyIds,
        written: [],
        unchanged: ctx.companyIds,
        missing: [],
        failed: [],
        statusChanges: [],
        tasksCreated: [],
        expansionTasksCreated: [],
        apiCalls: 0,
      };
    },
    async resolveObjectRefs() {
      return { companyIds: [], apiCalls: 0 };
    },
  };
}

async function sweepJobs(runtime: SandboxRuntime): Promise<Job<SweepJobData>[]> {
  const jobs = await runtime.queue.queue.getJobs(['completed', 'failed', 'delayed', 'wait'], 0, -1);
  return jobs.filter((job) => job.name === JOB.sweep) as Job<SweepJobData>[];
}

describe('backfill sweep job', () => {
  let runtime: SandboxRuntime;

  afterEach(async () => {
    await runtime.close();
  });

  test('12,345 companies queued once each', async () => {
    const portal = await sandbox.createPortal({ seed: 'empty' });
    for (let i = 0; i < 12_345; i += 1) {
      portal.createObject('companies', { name: `Company ${i}` });
    }
    const searches: SearchRequest[] = [];
    const recorded: string[] = [];
    runtime = await startSandboxRuntime({
      sandbox,
      portal,
      timeScale: TIME_SCALE,
      handlers: recordingHandlers(recorded),
      wrapClient: (client) => {
        const recording = Object.create(client) as PortalClient;
        recording.searchCompanies = (body) => {
          searches.push(structuredClone(body));
          return client.searchCompanies(body);
        };
        return recording;
      },
    });
    sandbox.resetCounts();

    await runtime.queue.requestSweep(portal.id, 'backfill');
    await waitFor(
      async () => (await sweepJobs(runtime)).some((job) => job.finishedOn !== undefined),
      60_000,
      'the backfill sweep job to finish',
    );
    await runtime.idle(60_000);

    const [sweep, ...others] = await sweepJobs(runtime);
    expect(others).toEqual([]);
    expect(await sweep?.getState()).toBe('completed');
    expect(sweep?.failedReason).toBeUndefined();
    expect(sweep?.returnvalue).toMatchObject({ listed: 12_345 });
    expect(await runtime.queue.queue.getJobCountByTypes('failed')).toBe(0);
    expect(await runtime.queue.queue.getJobCountByTypes('delayed')).toBe(0);

    const all = portal.listObjects('companies').map((company) => company.id);
    expect(recorded).toHaveLength(12_345);
    expect(new Set(recorded).size).toBe(12_345);
    expect([...recorded].sort()).toEqual([...all].sort());

    // 61 full pages of 200 and one of 145. A 429 would show up as a retried, extra request.
    expect(searches).toHaveLength(62);
    expect(sandbox.requestCountsByPortal(portal.id)[SEARCH_ROUTE]).toBe(62);
    expect(searches.every((body) => body.after === undefined || Number(body.after) < 10_000)).toBe(
      true,
    );
    expect(searches.every((body) => body.limit === 200)).toBe(true);
  }, 90_000);
});

describe('disconnected portal sweeps', () => {
  let runtime: SandboxRuntime;

  afterEach(async () => {
    await runtime.close();
  });

  test('skipped without HubSpot calls', async () => {
    const portal = await sandbox.createPortal({ seed: 'empty' });
    for (let i = 0; i < 5; i += 1) portal.createObject('companies', { name: `Company ${i}` });
    const recorded: string[] = [];
    runtime = await startSandboxRuntime({
      sandbox,
      portal,
      timeScale: TIME_SCALE,
      handlers: recordingHandlers(recorded),
    });
    const schedulerId = `nightly-sweep-${portal.id}`;
    await syncNightlySchedulers(runtime.deps);
    const before = await runtime.queue.queue.getJobSchedulers(0, -1);
    expect(before.map((scheduler) => scheduler.key)).toContain(schedulerId);

    await runtime.installations.markDisconnected(portal.id, 'refresh_token_revoked');
    portal.revokeRefreshTokens();
    sandbox.resetCounts();

    const tick = await processSweepTick(runtime.deps);
    expect(tick.portals).toBe(0);
    await runtime.queue.requestSweep(portal.id, 'nightly');
    await runtime.queue.requestSweep(portal.id, 'incremental');
    await waitFor(
      async () => (await sweepJobs(runtime)).filter((job) => job.finishedOn).length === 2,
      15_000,
      'both sweep jobs to finish',
    );

    // The nightly scheduler keeps its next run delayed until 02:00 portal time, so only finished jobs count.
    const jobs = (await sweepJobs(runtime)).filter((job) => job.finishedOn !== undefined);
    expect(jobs.map((job) => job.data.kind).sort()).toEqual(['incremental', 'nightly']);
    for (const job of jobs) {
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toEqual({ skipped: 'disconnected' });
    }
    expect(sandbox.requestCounts().total ?? 0).toBe(0);
    expect(await runtime.queue.marks.portals()).toEqual([]);
    expect(recorded).toEqual([]);
    const recomputeJobs = await runtime.queue.queue.getJobs(
      ['completed', 'failed', 'wait', 'prioritized', 'delayed'],
      0,
      -1,
    );
    expect(recomputeJobs.filter((job) => job.name === JOB.recompute)).toEqual([]);

    await syncNightlySchedulers(runtime.deps);
    const after = await runtime.queue.queue.getJobSchedulers(0, -1);
    expect(after.map((scheduler) => scheduler.key)).not.toContain(schedulerId);
    const pending = await runtime.queue.queue.getJobs(['delayed', 'wait', 'prioritized'], 0, -1);
    expect(pending.filter((job) => job.name === JOB.sweep)).toEqual([]);
    expect(sandbox.requestCounts().total ?? 0).toBe(0);
  });
});
