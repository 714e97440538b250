import IORedis from 'ioredis';
import { DEFAULT_SCORE_CONFIG } from '../../src/engine';
import { HubSpotApiError, PortalDisconnectedError } from '../../src/hubspot/errors';
import { RedisRateLimiter } from '../../src/hubspot/rate-limiter';
import type { PortalClient } from '../../src/hubspot/types';
import { createLogger } from '../../src/log';
import { InstallationStore } from '../../src/store/installations';
import { testRedis, testRedisUrl, uniquePrefix } from '../../test/setup/redis';
import { ProgressStore } from '../backfill';
import { RecomputeStore } from '../recompute/store';
import type { RecomputeContext, RecomputeOutcome } from '../recompute/types';
import { RecomputeQueue, JOB } from './queue';
import { startWorkers, type WorkerRuntime, type WorkerRuntimeDeps } from './runtime';
import { LOST_JOB_GRACE_MS, repairLostJobs } from './schedules';

/**
 * These tests drive the real queue runtime (BullMQ, Lua, the Redis rate limiter, the stores)
 * with a recompute step that records each call and can be held open, which is what the
 * scheduling guarantees are about. The end-to-end tests run the real recompute.
 */

const logger = createLogger({ level: 'silent' });
const A = 1234567;
const B = 2345678;

interface Call {
  portalId: number;
  companyIds: string[];
  reason: string;
  start: number;
  end: number;
}

interface Harness {
  prefix: string;
  redis: IORedis;
  queue: RecomputeQueue;
  store: RecomputeStore;
  installations: InstallationStore;
  limiter: RedisRateLimiter;
  calls: Call[];
  /** Per-call behaviour: hold the call until the promise settles, or throw. */
  behaviour: (ctx: RecomputeContext, index: number) => Promise<void>;
  disconnected: Set<number>;
  runtimes: WorkerRuntime[];
  connections: IORedis[];
  start(options?: { concurrency?: number; name?: string }): Promise<WorkerRuntime>;
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function outcome(ids: string[]): RecomputeOutcome {
  return {
    computed: ids,
    written: ids,
    unchanged: [],
    missing: [],
    failed: [],
    statusChanges: [],
    tasksCreated: [],
    expansionTasksCreated: [],
    apiCalls: 2,
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function harness(
  options: { generalPerWindow?: number; windowScale?: number; attempts?: number } = {},
): Promise<Harness> {
  const prefix = uniquePrefix('runtime');
  const redis = testRedis();
  const queue = new RecomputeQueue({
    connection: redis,
    prefix,
    logger,
    jobOptions: { attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 50 } },
  });
  const store = new RecomputeStore(redis, prefix);
  const installations = new InstallationStore({ redis, prefix });
  for (const portalId of [A, B]) await installations.markInstalled(portalId, { scopes: ['oauth'] });
  const limiter = new RedisRateLimiter({
    redis,
    prefix,
    generalPerWindow: options.generalPerWindow ?? 100,
    searchPerWindow: 5,
    windowScale: options.windowScale ?? 1,
  });
  const h: Harness = {
    prefix,
    redis,
    queue,
    store,
    installations,
    limiter,
    calls: [],
    behaviour: async () => undefined,
    disconnected: new Set(),
    runtimes: [],
    connections: [],
    async start(startOptions = {}) {
      const workerConnection = new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
      h.connections.push(workerConnection);
      const deps: WorkerRuntimeDeps = {
        queue,
        redis,
        prefix,
        workerConnection,
        concurrency: startOptions.concurrency ?? 4,
        schedulers: false,
        ...(startOptions.name ? { name: startOptions.name } : {}),
        gateway: {
          async forPortal(portalId: number) {
            if (h.disconnected.has(portalId)) {
              throw new PortalDisconnectedError(portalId, 'refresh_token_revoked');
            }
            // The recording recompute step never calls HubSpot, so the client carries only its id.
            return { portalId } as unknown as PortalClient;
          },
        },
        limiter,
        store,
        configs: { get: async () => DEFAULT_SCORE_CONFIG },
        progress: new ProgressStore(redis, prefix, store),
        installations,
        logger,
        incrementalSweepMinutes: 5,
        nightlySweepHour: 2,
        handlers: {
          async recomputeCompanies(ctx) {
            const index = h.calls.length;
            const call: Call = {
              portalId: ctx.portalId,
              companyIds: [...ctx.companyIds].sort(),
              reason: ctx.reason,
              start: Date.now(),
              end: 0,
            };
            h.calls.push(call);
            try {
              await h.behaviour(ctx, index);
            } finally {
              call.end = Date.now();
            }
            return outcome(ctx.companyIds);
          },
          async resolveObjectRefs(_ctx, refs) {
            return { companyIds: refs.map((ref) => `of-${ref.objectId}`), apiCalls: 1 };
          },
        },
      };
      const runtime = await startWorkers(deps);
      h.runtimes.push(runtime);
      return runtime;
    },
    async idle(timeoutMs = 15_000) {
      await waitFor(
        async () => {
          const counts = await queue.queue.getJobCounts(
            'waiting',
            'prioritized',
            'delayed',
            'active',
          );
          const busy = Object.values(counts).reduce((sum, count) => sum + count, 0);
          return busy === 0 && (await queue.marks.portals()).length === 0;
        },
        timeoutMs,
        'the queue to drain',
      );
    },
    async close() {
      for (const runtime of h.runtimes) await runtime.close(2000);
      await queue.queue.obliterate({ force: true });
      await queue.close();
      for (const connection of h.connections) connection.disconnect();
      await redis.quit();
    },
  };
  return h;
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('queue runtime', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  test('burst of marks gives one recompute', async () => {
    h = await harness();
    for (let i = 0; i < 10; i += 1) await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.start();
    await h.idle();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.companyIds).toEqual(['42']);
    expect(h.calls[0]?.reason).toBe('webhook');
  });

  test('mark during a recompute gives one follow-up after it', async () => {
    h = await harness();
    const firstCall = gate();
    h.behaviour = async (_ctx, index) => {
      if (index === 0) await firstCall.promise;
    };
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.start();
    await waitFor(async () => h.calls.length === 1, 5000, 'the first recompute');
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.queue.markCompanies(A, ['42'], 'webhook');
    // The follow-up must not start while the first call is running.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.calls).toHaveLength(1);
    firstCall.open();
    await h.idle();
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]?.companyIds).toEqual(['42']);
    expect(h.calls[1]?.start).toBeGreaterThanOrEqual(h.calls[0]?.end ?? Infinity);
  });

  test('retained completed job does not block a new one', async () => {
    h = await harness();
    await h.start();
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.idle();
    expect(await h.queue.queue.getJobCountByTypes('completed')).toBe(1);
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.idle();
    expect(h.calls).toHaveLength(2);
    expect(await h.queue.queue.getJobCountByTypes('completed')).toBe(2);
  });

  test('object refs resolve and recompute in the same job', async () => {
    h = await harness();
    await h.queue.enqueue([
      {
        portalId: A,
        companies: ['1'],
        objectRefs: [{ objectType: 'tickets', objectId: '900', deleted: false }],
        droppedCompanies: [],
      },
    ]);
    await h.start();
    await h.idle();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.companyIds).toEqual(['1', 'of-900']);
  });

  test('drops remove stored results', async () => {
    h = await harness();
    const stored = { companyId: '43', ticketIds: ['900'], contactIds: [], feedbackIds: [] };
    await h.redis.hset(`${h.prefix}:rc:${A}:last`, '43', JSON.stringify(stored));
    await h.queue.enqueue([
      { portalId: A, companies: [], objectRefs: [], droppedCompanies: ['43'] },
    ]);
    await h.start();
    await h.idle();
    expect(await h.redis.hexists(`${h.prefix}:rc:${A}:last`, '43')).toBe(0);
    expect(h.calls).toHaveLength(0);
  });

  test('large backfill runs in batches of 1,000', async () => {
    h = await harness();
    const ids = Array.from({ length: 2500 }, (_, index) => String(index + 1));
    await h.queue.markCompanies(A, ids, 'backfill');
    await h.start();
    await h.idle();
    expect(h.calls.map((call) => call.companyIds.length)).toEqual([1000, 1000, 500]);
    expect(new Set(h.calls.flatMap((call) => call.companyIds)).size).toBe(2500);
  });

  test('webhook work overtakes a running backfill', async () => {
    h = await harness();
    h.behaviour = () => new Promise((resolve) => setTimeout(resolve, 150));
    const ids = Array.from({ length: 5000 }, (_, index) => String(index + 1));
    await h.queue.markCompanies(A, ids, 'backfill');
    await h.start({ concurrency: 1 });
    await waitFor(async () => h.calls.length === 1, 5000, 'the backfill to start');
    const marked = Date.now();
    await h.queue.markCompanies(B, ['9'], 'webhook');
    await h.idle(20_000);
    const small = h.calls.find((call) => call.portalId === B);
    const backfillCalls = h.calls.filter((call) => call.portalId === A);
    expect(backfillCalls).toHaveLength(5);
    // B waits at most for the backfill batch that was running when it was marked.
    expect(small?.start).toBeDefined();
    expect((small?.start ?? Infinity) - marked).toBeLessThan(1500);
    expect(small?.start ?? Infinity).toBeLessThan(backfillCalls[2]?.start ?? 0);
  });

  test('portal without budget waits delayed while others run', async () => {
    // A 1 s window (10 s scaled by 0.1) with room for 3 requests.
    h = await harness({ generalPerWindow: 3, windowScale: 0.1 });
    for (let i = 0; i < 3; i += 1) expect(await h.limiter.tryAcquire(A, 'general')).toBe(0);
    await h.queue.markCompanies(A, ['1'], 'webhook');
    await h.queue.markCompanies(B, ['2'], 'webhook');
    await h.start({ concurrency: 1 });
    await waitFor(async () => h.calls.some((call) => call.portalId === B), 5000, 'portal B');
    expect(h.calls.some((call) => call.portalId === A)).toBe(false);
    const schedule = await h.queue.marks.schedule(A);
    expect(schedule?.state).toBe('queued');
    expect(await h.queue.queue.getJobState(schedule?.jobId ?? '')).toBe('delayed');
    await h.idle();
    expect(h.calls.filter((call) => call.portalId === A)).toHaveLength(1);
  });

  test('HubSpot 429 delays the job and keeps its claims', async () => {
    h = await harness();
    h.behaviour = async (_ctx, index) => {
      if (index === 0) {
        throw new HubSpotApiError({
          status: 429,
          category: 'RATE_LIMIT',
          retryable: true,
          retryAfterMs: 300,
          endpoint: 'companies.batch.read',
          portalId: A,
        });
      }
    };
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.start();
    await h.idle();
    expect(h.calls.map((call) => call.companyIds)).toEqual([['42'], ['42']]);
    expect((h.calls[1]?.start ?? 0) - (h.calls[0]?.end ?? 0)).toBeGreaterThanOrEqual(250);
    expect(await h.queue.queue.getJobCountByTypes('failed')).toBe(0);
  });

  test('job failing for good records its companies', async () => {
    h = await harness({ attempts: 2 });
    h.behaviour = async (ctx) => {
      if (ctx.portalId === A) throw new Error('HubSpot answered 502 twice');
    };
    await h.queue.markCompanies(A, ['42'], 'webhook');
    await h.start();
    await waitFor(async () => (await h.queue.queue.getJobCountByTypes('failed')) === 1);
    await waitFor(async () => (await h.store.failedCompanies(A)).has('42'), 5000, 'the settle');
    expect((await h.store.failedCompanies(A)).get('42')?.category).toBe('JOB_FAILED');
    expect(h.calls).toHaveLength(2);
    // The portal is free again: new work runs.
    h.behaviour = async () => undefined;
    await h.queue.markCompanies(A, ['43'], 'webhook');
    await h.idle();
    expect(h.calls.at(-1)?.companyIds).toEqual(['43']);
  });

  test('disconnected portal fails once and drops its work', async () => {
    h = await harness();
    h.disconnected.add(A);
    await h.queue.markCompanies(A, ['42', '43'], 'webhook');
    await h.start();
    await waitFor(async () => (await h.queue.queue.getJobCountByTypes('failed')) === 1);
    const [failed] = await h.queue.queue.getJobs(['failed']);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toContain('disconnected');
    await h.idle();
    expect(h.calls).toHaveLength(0);
  });

  test('stale job ends without work', async () => {
    h = await harness();
    await h.queue.queue.add(JOB.recompute, { portalId: A }, { jobId: 'rc-1234567-99-1' });
    await h.start();
    await waitFor(async () => (await h.queue.queue.getJobCountByTypes('completed')) === 1);
    const [done] = await h.queue.queue.getJobs(['completed']);
    expect(done?.returnvalue).toMatchObject({ stale: true });
    expect(h.calls).toHaveLength(0);
  });

  test('lost job is repaired', async () => {
    h = await harness();
    await h.queue.markCompanies(A, ['42'], 'webhook');
    const schedule = await h.queue.marks.schedule(A);
    await (await h.queue.queue.getJob(schedule?.jobId ?? ''))?.remove();
    const repaired = await repairLostJobs(
      { queue: h.queue, logger },
      Date.now() + LOST_JOB_GRACE_MS + 1,
    );
    expect(repaired.repaired).toEqual([A]);
    await h.start();
    await h.idle();
    expect(h.calls.map((call) => call.companyIds)).toEqual([['42']]);
  });

  test('two workers share portals, one job per portal', async () => {
    h = await harness();
    h.behaviour = () => new Promise((resolve) => setTimeout(resolve, 30));
    await h.start({ concurrency: 3, name: 'worker-one' });
    await h.start({ concurrency: 3, name: 'worker-two' });
    const portals = [A, B, 3456789, 4567890, 5678901, 6789012];
    for (let round = 0; round < 6; round += 1) {
      for (const portalId of portals) {
        await h.queue.markCompanies(portalId, [String(round % 3), 'shared'], 'webhook');
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await h.idle(20_000);
    for (const portalId of portals) {
      const calls = h.calls.filter((call) => call.portalId === portalId);
      expect(calls.length).toBeGreaterThan(0);
      for (let i = 1; i < calls.length; i += 1) {
        expect(calls[i]?.start).toBeGreaterThanOrEqual(calls[i - 1]?.end ?? Infinity);
      }
    }
    const workers = new Set(
      (await h.queue.queue.getJobs(['completed'], 0, -1)).map((job) => job.processedBy),
    );
    expect(workers).toEqual(new Set(['worker-one', 'worker-two']));
  });

  test('graceful close lets the running job finish', async () => {
    h = await harness();
    h.behaviour = () => new Promise((resolve) => setTimeout(resolve, 300));
    await h.queue.markCompanies(A, ['42'], 'webhook');
    const runtime = await h.start();
    await waitFor(async () => h.calls.length === 1);
    const closed = await runtime.close(5000);
    expect(closed.forced).toBe(false);
    expect(h.calls[0]?.end).toBeGreaterThan(0);
    expect(await h.queue.queue.getJobCountByTypes('completed')).toBe(1);
    h.runtimes = [];
  });

  test('forced close hands the job to another worker', async () => {
    h = await harness();
    const firstCall = gate();
    h.behaviour = async (_ctx, index) => {
      if (index === 0) await firstCall.promise;
    };
    await h.queue.markCompanies(A, ['42'], 'webhook');
    const first = await h.start();
    await waitFor(async () => h.calls.length === 1);
    const closed = await first.close(200);
    expect(closed.forced).toBe(true);
    h.runtimes = h.runtimes.filter((runtime) => runtime !== first);
    await h.start();
    await h.idle();
    firstCall.open();
    expect(h.calls.map((call) => call.companyIds)).toEqual([['42'], ['42']]);
    expect(await h.queue.queue.getJobCountByTypes('completed')).toBe(1);
  });
});
