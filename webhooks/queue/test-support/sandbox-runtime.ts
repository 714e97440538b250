import IORedis from 'ioredis';
import type { PortalHandle, Sandbox } from '../../../sandbox';
import type { HubSpotGateway } from '../../../src/hubspot/gateway';
import type { PortalClient } from '../../../src/hubspot/types';
import type { Logger } from '../../../src/log';
import { InstallationStore } from '../../../src/store/installations';
import { ConfigStore } from '../../../src/store/configs';
import { testRedis, testRedisUrl, uniquePrefix } from '../../../test/setup/redis';
import { ProgressStore } from '../../backfill';
import { recomputeCompanies, resolveObjectRefs } from '../../recompute';
import { RecomputeStore } from '../../recompute/store';
import { connectSandboxPortal } from '../../recompute/testing/sandbox-portal';
import type { RecomputeHandlers } from '../processor';
import { RecomputeQueue } from '../queue';
import { startWorkers, type WorkerRuntime, type WorkerRuntimeDeps } from '../runtime';

/** The real queue runtime connected to one sandbox portal through the real gateway. */
export interface SandboxRuntime {
  prefix: string;
  redis: IORedis;
  queue: RecomputeQueue;
  store: RecomputeStore;
  configs: ConfigStore;
  installations: InstallationStore;
  progress: ProgressStore;
  gateway: HubSpotGateway;
  client: PortalClient;
  logger: Logger;
  /** Everything the worker was started with, for calling schedule steps directly. */
  deps: WorkerRuntimeDeps;
  runtime: WorkerRuntime;
  /** Resolves once no job is waiting, delayed or running and no portal has queued marks. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts BullMQ workers on a fresh Redis prefix with the real recompute steps (or the given
 * ones), the real Redis stores and the gateway connected to `portal`. Retries back off 50 ms
 * so a failing job settles within a test.
 */
export async function startSandboxRuntime(options: {
  sandbox: Sandbox;
  portal: PortalHandle;
  timeScale: number;
  handlers?: RecomputeHandlers;
  attempts?: number;
  concurrency?: number;
  /** Wraps each client the worker gets, e.g. to record the requests a sweep sends. */
  wrapClient?: (client: PortalClient) => PortalClient;
}): Promise<SandboxRuntime> {
  const prefix = uniquePrefix('sandbox-runtime');
  const redis = testRedis();
  const connected = await connectSandboxPortal({
    sandbox: options.sandbox,
    portal: options.portal,
    redis,
    prefix,
    timeScale: options.timeScale,
  });
  const { logger } = connected;
  const queue = new RecomputeQueue({
    connection: redis,
    prefix,
    logger,
    jobOptions: { attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 50 } },
  });
  const store = new RecomputeStore(redis, prefix);
  const configs = new ConfigStore(redis, prefix);
  const installations = new InstallationStore({ redis, prefix });
  const progress = new ProgressStore(redis, prefix, store);
  const workerConnection = new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
  const deps: WorkerRuntimeDeps = {
    queue,
    redis,
    prefix,
    workerConnection,
    concurrency: options.concurrency ?? 2,
    schedulers: false,
    gateway: {
      forPortal: async (portalId) => {
        const client = await connected.gateway.forPortal(portalId);
        return options.wrapClient ? options.wrapClient(client) : client;
      },
    },
    limiter: connected.limiter,
    store,
    configs,
    progress,
    installations,
    handlers: options.handlers ?? { recomputeCompanies, resolveObjectRefs },
    logger,
    incrementalSweepMinutes: 5,
    nightlySweepHour: 2,
  };
  const runtime = await startWorkers(deps);

  return {
    prefix,
    redis,
    queue,
    store,
    configs,
    installations,
    progress,
    gateway: connected.gateway,
    client: connected.client,
    logger,
    deps,
    runtime,
    async idle(timeoutMs = 30_000) {
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
      await runtime.close(2000);
      await queue.queue.obliterate({ force: true });
      await queue.close();
      workerConnection.disconnect();
      await redis.quit();
    },
  };
}
