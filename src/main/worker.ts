import { hostname } from 'node:os';
import { loadDotenv } from '../config/dotenv';
import { EnvError, loadEnv, type Env } from '../config/env';
import { createLogger, type Logger } from '../log';
import { startDefaultMetrics } from '../metrics';
import { ConfigStore } from '../store/configs';
import { ProgressStore } from '../../webhooks/backfill';
import { startMetricsPublisher } from '../../webhooks/ops/metrics-share';
import { connectRedis } from '../../webhooks/queue/connection';
import { throttledErrorLog } from '../../webhooks/queue/log-throttle';
import { RecomputeQueue } from '../../webhooks/queue/queue';
import { startWorkers, type WorkerRuntime } from '../../webhooks/queue/runtime';
import { recomputeCompanies, resolveObjectRefs } from '../../webhooks/recompute';
import { RecomputeStore } from '../../webhooks/recompute/store';
import { buildCoreServices } from './services';

/** Maximum wait of a worker call for a rate-limit slot or a 429 window before its job is delayed. */
const WORKER_REQUEST_SETTINGS = { maxLimiterWaitMs: 3_000, maxInlineRateLimitWaitMs: 3_000 };

export interface WorkerProcessOptions {
  /** Defaults to `WORKER_CONCURRENCY`. */
  concurrency?: number;
  /** How long shutdown waits for running jobs before handing them back. @defaultValue 25000 */
  shutdownGraceMs?: number;
}

export interface WorkerProcess {
  readonly runtime: WorkerRuntime;
  readonly queue: RecomputeQueue;
  /** Stops taking jobs, finishes or hands back running ones, then closes Redis. */
  stop(): Promise<{ forced: boolean }>;
}

/**
 * Starts the worker side: BullMQ workers for recomputes and sweeps, the app's repeatable jobs
 * (canary, maintenance, incremental sweep, nightly sweeps per portal) and the metrics publisher
 * that lets `/metrics` on the web process include this process's counts.
 */
export async function startWorkerProcess(
  env: Env,
  logger: Logger,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  startDefaultMetrics();
  // Short waits: a portal whose budget runs out mid-batch delays its job (and frees the slot for
  // other portals) instead of sleeping in the limiter.
  const core = await buildCoreServices(env, logger, WORKER_REQUEST_SETTINGS);
  const prefix = env.REDIS_PREFIX;
  // BullMQ's blocking commands need their own connection, without a retry limit.
  const workerConnection = await connectRedis(env.REDIS_URL, 'worker');
  workerConnection.on('error', throttledErrorLog(logger, 'Redis connection error (worker)'));

  const queue = new RecomputeQueue({
    connection: core.redis,
    prefix,
    logger,
    hotDebounceMs: env.RECOMPUTE_DEBOUNCE_MS,
  });
  const store = new RecomputeStore(core.redis, prefix);
  const concurrency = options.concurrency ?? env.WORKER_CONCURRENCY;
  const instanceId = `worker-${hostname()}-${process.pid}`;

  const runtime = await startWorkers({
    queue,
    redis: core.redis,
    prefix,
    workerConnection,
    concurrency,
    name: instanceId,
    gateway: core.gateway,
    limiter: core.limiter,
    store,
    configs: new ConfigStore(core.redis, prefix),
    progress: new ProgressStore(core.redis, prefix, store),
    installations: core.installations,
    handlers: { recomputeCompanies, resolveObjectRefs },
    logger,
    incrementalSweepMinutes: env.INCREMENTAL_SWEEP_MINUTES,
    nightlySweepHour: env.NIGHTLY_SWEEP_HOUR,
  });
  const publisher = startMetricsPublisher({ redis: core.redis, prefix, instanceId, logger });
  logger.info({ instanceId, concurrency }, 'worker process started');

  return {
    runtime,
    queue,
    async stop() {
      const closed = await runtime.close(options.shutdownGraceMs ?? 25_000);
      await publisher.stop();
      await queue.close();
      await Promise.allSettled([core.redis.quit(), workerConnection.quit()]);
      logger.info({ forced: closed.forced }, 'worker process stopped');
      return closed;
    },
  };
}

async function main(): Promise<void> {
  let env: Env;
  try {
    // Variables already in the environment win over `.env` in the current directory.
    loadDotenv();
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: env.LOG_LEVEL, name: 'cs-health-worker' });
  const worker = await startWorkerProcess(env, logger);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The worker hands running jobs back after 25 s; this is the last resort after that.
    const deadline = setTimeout(() => {
      logger.error('graceful shutdown timed out after 40 s');
      logger.flush();
      process.exit(1);
    }, 40_000);
    deadline.unref();
    worker.stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
